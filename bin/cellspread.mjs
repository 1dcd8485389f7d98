#!/usr/bin/env node
// Entry point for `npx cellspread`: runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs
// in a checkout through `prepare`).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/main.js')) throw err;
  process.stderr.write('cellspread: dist/ is missing; in a checkout of the repository build it with `npm run build` (`npm install` does).\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
