#!/usr/bin/env bash
# Install the real LiteLLM proxy (litellm[proxy]==1.108.5) into a cache venv OUTSIDE the
# repo, once; the tests find it through GTWIZARD_LITELLM_VENV (default below). About 90 s
# and 760 MB. Idempotent: a finished venv (marked by .gtwizard-complete) is kept; an
# interrupted one is rebuilt. Config-file mode only: no database (Prisma) is set up.
set -euo pipefail
LITELLM_VERSION="1.108.5"
venv="${GTWIZARD_LITELLM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/gtwizard/litellm-$LITELLM_VERSION}"
py="${GTWIZARD_LITELLM_PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || py=python3

if [ -f "$venv/.gtwizard-complete" ] && [ -x "$venv/bin/litellm" ]; then
  echo "litellm $LITELLM_VERSION already in $venv" >&2
  exit 0
fi
echo "installing litellm[proxy] $LITELLM_VERSION into $venv (about 90 seconds, once)" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "litellm[proxy]==$LITELLM_VERSION" >&2
LITELLM_LOCAL_MODEL_COST_MAP=True "$venv/bin/python" -c "import litellm.proxy.proxy_server" >&2
touch "$venv/.gtwizard-complete"
echo "litellm $LITELLM_VERSION ready in $venv" >&2
