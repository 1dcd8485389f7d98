/**
 * Prepares the GPU benchmark for a Linux x86-64 GPU machine that has no Node and no network:
 *
 *   npm run bench:gpu:bundle [-- --out .gpu-bundle] [--no-debs] [--no-check]
 *
 * then, on the GPU machine, from the folder: `sh run.sh [bench/gpu.ts options]`. The folder (about 30 MB) holds:
 *   node.xz                                 this machine's Node binary (stripped), xz-compressed
 *   src/backends/bench/gpu.mjs              bench/gpu.ts and the library, one ESM file (esbuild); it sits at the depth
 *                                           of src/backends/<backend>/ so the backends' URLs relative to their module
 *                                           (../../../shaders, ../../../build, ./worker.mjs) resolve inside the bundle
 *   src/backends/bench/{worker,kernel}.mjs  the WASM backend's plain-JS worker (the wasm backend runs there too)
 *   shaders/, build/cellspread.wasm         the WGSL sources and the WASM module
 *   node_modules/webgpu/                    the `webgpu` package with its Linux x86-64 dawn.node, xz-compressed
 *   examples/pack-96s4p-welds.yaml          the 96s4p study
 *   debs/                                   the Vulkan loader and GL/EGL libraries (Debian amd64 packages, fetched with
 *                                           apt-get download as /work/.library/device/README.md describes), unpacked
 *                                           by run.sh only when the machine has no libvulkan.so.1
 *   run.sh                                  unpacks node and dawn.node on first use and runs the benchmark
 * Before it finishes, the bundle is run from a temporary copy on this machine's adapter at scale 0.001 (--no-check
 * skips that), so a bundle that is handed over has run end to end at least once.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const flag = (name: string) => process.argv.includes(`--${name}`);
const outIndex = process.argv.indexOf('--out');
const out = outIndex >= 0 ? process.argv[outIndex + 1] : join(root, '.gpu-bundle');
const VULKAN_AND_GL_PACKAGES = ['libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];

function step(text: string): void {
  console.log(`bench:gpu:bundle: ${text}`);
}

function xz(from: string, to: string): void {
  execFileSync('sh', ['-c', 'xz -T0 -6 -c "$1" > "$2"', 'xz', from, to]);
}

/** Total size of a folder in bytes. */
function sizeOf(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? sizeOf(p) : statSync(p).size;
  }
  return total;
}

if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the bundle carries this machine's Node: build it on Linux x86-64 (this is ${process.platform}-${process.arch})`);
rmSync(out, { recursive: true, force: true });
const app = join(out, 'src', 'backends', 'bench');
mkdirSync(app, { recursive: true });

step('bundling bench/gpu.ts and the library (esbuild)');
await build({
  entryPoints: [join(root, 'bench', 'gpu.ts')],
  outfile: join(app, 'gpu.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire as __cellspreadRequire } from 'node:module'; const require = __cellspreadRequire(import.meta.url);" },
  logLevel: 'warning',
});
for (const f of ['worker.mjs', 'kernel.mjs']) copyFileSync(join(root, 'src', 'backends', 'wasm', f), join(app, f));

step('shaders, WASM module, 96s4p study');
cpSync(join(root, 'shaders'), join(out, 'shaders'), { recursive: true });
if (!existsSync(join(root, 'build', 'cellspread.wasm'))) execFileSync('npm', ['run', '--silent', 'build:wasm'], { cwd: root, stdio: 'inherit' });
mkdirSync(join(out, 'build'));
copyFileSync(join(root, 'build', 'cellspread.wasm'), join(out, 'build', 'cellspread.wasm'));
mkdirSync(join(out, 'examples'));
copyFileSync(join(root, 'examples', 'pack-96s4p-welds.yaml'), join(out, 'examples', 'pack-96s4p-welds.yaml'));

step('webgpu package with its Linux x86-64 dawn.node (xz)');
const webgpu = join(root, 'node_modules', 'webgpu');
const webgpuOut = join(out, 'node_modules', 'webgpu');
mkdirSync(join(webgpuOut, 'dist', 'linux-x64'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) copyFileSync(join(webgpu, f), join(webgpuOut, f));
xz(join(webgpu, 'dist', 'linux-x64', 'dawn.node'), join(webgpuOut, 'dist', 'linux-x64', 'dawn.node.xz'));

step(`Node ${process.version} (${process.execPath}, stripped, xz)`);
const scratch = mkdtempSync(join(tmpdir(), 'cellspread-bundle-'));
try {
  const node = join(scratch, 'node');
  try {
    execFileSync('strip', ['-o', node, process.execPath]);
  } catch {
    copyFileSync(process.execPath, node);
  }
  xz(node, join(out, 'node.xz'));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
writeFileSync(join(out, 'node.version'), `${process.version}\n`);

if (!flag('no-debs')) {
  step(`Vulkan loader and GL libraries: apt-get download ${VULKAN_AND_GL_PACKAGES.join(' ')} (amd64)`);
  const lists = mkdtempSync(join(tmpdir(), 'cellspread-apt-'));
  const apt = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
  try {
    mkdirSync(join(lists, 'partial'));
    mkdirSync(join(out, 'debs'));
    execFileSync('apt-get', [...apt, '-qq', 'update'], { stdio: 'inherit' });
    execFileSync('apt-get', [...apt, '-qq', 'download', ...VULKAN_AND_GL_PACKAGES], { cwd: join(out, 'debs'), stdio: 'inherit' });
  } catch (err) {
    rmSync(join(out, 'debs'), { recursive: true, force: true });
    step(`could not download the packages (${(err as Error).message.split('\n')[0]}); the bundle will need a Vulkan loader on the GPU machine`);
  } finally {
    rmSync(lists, { recursive: true, force: true });
  }
}

writeFileSync(
  join(out, 'run.sh'),
  `#!/bin/sh
# cellspread GPU benchmark (bench/gpu.ts), prepared by \`npm run bench:gpu:bundle\`: one command on a Linux x86-64
# machine without Node or network. Arguments go to the benchmark (--scale, --cells, --packs, --device, --json, ...).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
unxz_to() {
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2.part"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2.part"; fi
  mv "$2.part" "$2"
}
[ -x bin/node ] || { mkdir -p bin; unxz_to node.xz bin/node; chmod +x bin/node; }
dawn=node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$dawn" ] || unxz_to "$dawn.xz" "$dawn"
# The Vulkan loader (and GL libraries), only where the machine has none (CELLSPREAD_BUNDLE_NO_UNPACK=1: never).
if [ -d debs ] && [ -z "\${CELLSPREAD_BUNDLE_NO_UNPACK:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\\.so\\.1'; then
  if [ "$(id -u)" = 0 ]; then for f in debs/*.deb; do dpkg -x "$f" /; done; ldconfig
  else echo "run.sh: no Vulkan loader on this machine; as root it would be unpacked from debs/" >&2; fi
fi
# NVIDIA's driver files where containers put them.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ] && [ -z "\${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES="$icd"; fi
done
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -f "$egl" ] && [ -z "\${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]; then export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"; fi
export EGL_PLATFORM="\${EGL_PLATFORM:-surfaceless}" XDG_RUNTIME_DIR="\${XDG_RUNTIME_DIR:-/tmp}"
exec bin/node src/backends/bench/gpu.mjs --pack-study examples/pack-96s4p-welds.yaml "$@"
`,
  { mode: 0o755 },
);

const mib = (sizeOf(out) / 2 ** 20).toFixed(1);
step(`${relative(process.cwd(), out) || out}: ${mib} MiB`);

if (!flag('no-check')) {
  step('check: running a copy of the bundle here at --scale 0.001');
  const copy = mkdtempSync(join(tmpdir(), 'cellspread-bundle-check-'));
  try {
    cpSync(out, copy, { recursive: true });
    execFileSync('sh', [join(copy, 'run.sh'), '--scale', '0.001'], { stdio: 'inherit', env: { ...process.env, CELLSPREAD_BUNDLE_NO_UNPACK: '1' } });
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  step('check passed');
}
