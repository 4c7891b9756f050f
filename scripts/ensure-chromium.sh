#!/usr/bin/env bash
# The dashboard's browser tests (test/dashboard) drive Debian's chromium through playwright-core (no
# browser download). `pnpm test` runs this first: it installs chromium when it is missing, as root or
# through sudo, and says what to do when it cannot. CHROMIUM_PATH points the tests at another build.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium_path" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "thinkbatch: the dashboard's browser tests need chromium at $chromium_path: install Debian's chromium package (or set CHROMIUM_PATH)" >&2
  exit 1
fi
echo "thinkbatch: installing Debian's chromium for the dashboard's browser tests (apt-get install chromium)" >&2
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
