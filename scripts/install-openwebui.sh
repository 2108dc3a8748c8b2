#!/usr/bin/env bash
# Install the real Open WebUI (open-webui==0.12.4) into a cache venv OUTSIDE the repo,
# once; the tests find it through GTWIZARD_OWUI_VENV (default below).
# torch comes first and pinned (this machine kind keeps the CPU wheel on disk for pip),
# so the resolver never pulls a multi-GB CUDA build. Idempotent: a finished venv
# (marked by .gtwizard-complete) is kept; an interrupted one is rebuilt.
set -euo pipefail
OWUI_VERSION="0.12.4"
TORCH_VERSION="2.13.0"
venv="${GTWIZARD_OWUI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/gtwizard/openwebui-$OWUI_VERSION}"
py="${GTWIZARD_OWUI_PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || py=python3

if [ -f "$venv/.gtwizard-complete" ] && [ -x "$venv/bin/open-webui" ]; then
  echo "open-webui $OWUI_VERSION already in $venv" >&2
  exit 0
fi
echo "installing open-webui $OWUI_VERSION into $venv (about 5 minutes, once)" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "torch==$TORCH_VERSION" >&2
"$venv/bin/python" -m pip install --quiet "open-webui==$OWUI_VERSION" >&2
"$venv/bin/python" -c "import open_webui" >&2
touch "$venv/.gtwizard-complete"
echo "open-webui $OWUI_VERSION ready in $venv" >&2
