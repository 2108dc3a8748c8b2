#!/usr/bin/env bash
# Install LibreChat's own config schema (npm librechat-data-provider, pinned) into a cache folder
# OUTSIDE the repo, once; the tests find it through GTWIZARD_LIBRECHAT_SCHEMA (default below).
# LibreChat's server itself cannot run here (it needs MongoDB): its schema is what checks the
# librechat.yaml gtwizard writes (configSchema, and js-yaml, the loader LibreChat uses).
# Idempotent: a finished install (marked by .gtwizard-complete) is kept; an interrupted one is redone.
set -euo pipefail
LCDP_VERSION="0.8.524"
dir="${GTWIZARD_LIBRECHAT_SCHEMA:-${XDG_CACHE_HOME:-$HOME/.cache}/gtwizard/librechat-data-provider-$LCDP_VERSION}"

if [ -f "$dir/.gtwizard-complete" ] && [ -d "$dir/node_modules/librechat-data-provider" ]; then
  echo "librechat-data-provider $LCDP_VERSION already in $dir" >&2
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is needed to install librechat-data-provider" >&2; exit 1; }
echo "installing librechat-data-provider $LCDP_VERSION into $dir (a few seconds, once)" >&2
rm -rf "$dir"
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error \
  "librechat-data-provider@$LCDP_VERSION" >&2
(cd "$dir" && node -e 'require("librechat-data-provider").configSchema; require("js-yaml")') >&2
touch "$dir/.gtwizard-complete"
echo "librechat-data-provider $LCDP_VERSION ready in $dir" >&2
