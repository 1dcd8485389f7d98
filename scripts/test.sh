#!/usr/bin/env bash
# The README's second command: on a fresh Debian machine (Node >= 20 and npm installed), installs what the tests
# need (Debian packages, then the npm packages of the lockfile, which builds the package through `prepare`), then
# runs the type check and the whole test suite. .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Mesa's EGL/GLES stack runs WebGPU (Dawn, OpenGL ES backend) on the CPU; chromium runs the report and browser-page
# tests; gcc builds the native yardstick in bench/; slurm-wlm and munge run the single-node cluster of the Slurm test.
APT_PACKAGES="libegl1 libegl-mesa0 libgles2 mesa-vulkan-drivers chromium gcc slurm-wlm munge"
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "test: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

node -e 'const [major] = process.versions.node.split(".").map(Number); if (major < 20) { console.error(`test: Node ${process.version} is too old: cellspread needs Node 20 or later`); process.exit(1); }'

export EGL_PLATFORM=surfaceless
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export CELLSPREAD_REQUIRE_WEBGPU="${CELLSPREAD_REQUIRE_WEBGPU:-1}"

npm ci --no-audit --no-fund
npm run typecheck
npm test
