/**
 * `cellspread web`: serves the browser page the build puts in dist/web/ (web/ in the repository) on 127.0.0.1, so a
 * study runs in a browser with no install beyond this package. Static files only; nothing is written.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CellspreadInputError } from '../errors.ts';
import { numberFlag } from './args.ts';
import type { CliIo } from './main.ts';

export const WEB_USAGE = `Usage: cellspread web [options]
Serve the cellspread page (edit a study, run it in the browser on WebAssembly workers or WebGPU, read the report,
download the results) and print its address. Stop with Ctrl-C.

  --port N             port on 127.0.0.1 (default 8417; 0 picks a free one)
  --host H             address to listen on (default 127.0.0.1)`;

/** The built page (src/cli and dist/cli are both one level below the package root). */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serve `root` (default: the built page) on host:port; port 0 picks a free port. */
export async function startWebServer(options: { port?: number; host?: string; root?: string } = {}): Promise<WebServer> {
  const root = resolve(options.root ?? WEB_ROOT);
  const host = options.host ?? '127.0.0.1';
  try {
    await stat(resolve(root, 'index.html'));
  } catch {
    throw new CellspreadInputError('web page', 'must be built first (npm run build, which npm install runs in a checkout)', root);
  }
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8417, host, ok);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    server,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

export async function runWebCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    io.stdout(WEB_USAGE);
    return 0;
  }
  const port = numberFlag(values, 'port', { min: 0, max: 65535, integer: true });
  const web = await startWebServer({ port, host: values.host });
  io.stdout(`cellspread: serving the page at ${web.url} (Ctrl-C to stop)`);
  await new Promise<void>((done) => process.once('SIGINT', done));
  await web.close();
  return 0;
}
