#!/usr/bin/env bash
# Install the real Continue CLI (`cn`, npm @continuedev/cli, pinned) into a cache folder OUTSIDE
# the repo, once; the tests find it through GTWIZARD_CONTINUE_CLI (the `cn` binary) or this
# default folder. Idempotent: a finished install (marked by .gtwizard-complete) is kept; an
# interrupted one is rebuilt. Telemetry is off for the install and for every run gtwizard makes.
set -euo pipefail
CONTINUE_VERSION="1.5.47"
prefix="${GTWIZARD_CONTINUE_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/gtwizard/continue-cli-$CONTINUE_VERSION}"

if [ -f "$prefix/.gtwizard-complete" ] && [ -x "$prefix/node_modules/.bin/cn" ]; then
  echo "continue cli $CONTINUE_VERSION already in $prefix" >&2
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20 or newer" >&2; exit 1; }
echo "installing @continuedev/cli $CONTINUE_VERSION into $prefix (about 10 seconds, once)" >&2
rm -rf "$prefix"
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
  "@continuedev/cli@$CONTINUE_VERSION" >&2
CONTINUE_CLI_DISABLE_TELEMETRY=1 "$prefix/node_modules/.bin/cn" --version >&2
touch "$prefix/.gtwizard-complete"
echo "continue cli $CONTINUE_VERSION ready in $prefix" >&2
