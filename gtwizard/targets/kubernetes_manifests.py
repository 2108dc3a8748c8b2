"""The manifests the Kubernetes target writes, rendered as text (nothing here touches a file).

Four files in the operator's folder (their GitOps repository): the Secret that holds the key, the
values for the official Open WebUI Helm chart that point it at that Secret, and a kustomize
Component (kustomization.yaml + a strategic-merge patch) that does the same for a Deployment or
StatefulSet of the operator's own. Only the Secret holds the key; every other file references it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import yaml

SECRET_KEY = "OPENAI_API_KEYS"  # the Secret's data key: the value of Open WebUI's OPENAI_API_KEYS
SECRET_FILE = "secret.yaml"
VALUES_FILE = "values-gtwizard.yaml"
PATCH_FILE = "workload-patch.yaml"
KUSTOMIZATION_FILE = "kustomization.yaml"
FILES = (SECRET_FILE, VALUES_FILE, PATCH_FILE, KUSTOMIZATION_FILE)
MARK = "# Written by gtwizard"  # every file starts with it: a file without it is not ours
# the workload kinds a patch can point (kubectl's names and short names)
KINDS = {
    "statefulset": "StatefulSet",
    "sts": "StatefulSet",
    "deployment": "Deployment",
    "deploy": "Deployment",
}


@dataclass(frozen=True)
class Manifests:
    """What the files say: the connection (base, model allowlist) and where the key lives."""

    namespace: str
    secret: str
    kind: str  # StatefulSet or Deployment
    workload: str
    container: str
    openai_base: str
    model_ids: tuple[str, ...]
    disable_persistent_config: bool

    def connection_configs(self) -> str:
        """OPENAI_API_CONFIGS for the one connection (index 0), as the env-file target writes."""
        from gtwizard.openwebui.envfile import GtConnection, compact_json

        conn = GtConnection(self.openai_base, "", self.model_ids)
        return compact_json({"0": conn.connection_config()})

    def plain_env(self) -> list[dict[str, object]]:
        """The pod's environment beside the key (no secret in it)."""
        env: list[dict[str, object]] = [
            {"name": "OPENAI_API_BASE_URLS", "value": self.openai_base},
            {"name": "OPENAI_API_CONFIGS", "value": self.connection_configs()},
        ]
        if self.disable_persistent_config:
            env.append({"name": "ENABLE_PERSISTENT_CONFIG", "value": "False"})
        return env

    def key_ref(self) -> dict[str, object]:
        return {
            "name": "OPENAI_API_KEYS",
            "valueFrom": {"secretKeyRef": {"name": self.secret, "key": SECRET_KEY}},
        }


def _dump(header: str, body: object) -> bytes:
    text = yaml.safe_dump(body, sort_keys=False, default_flow_style=False, width=1000)
    return f"{MARK}: {header}\n{text}".encode()


def secret_yaml(m: Manifests, key: str) -> bytes:
    """The Secret: the key base64-encoded under `data` (as `kubectl get -o yaml` shows it)."""
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": m.secret,
            "namespace": m.namespace,
            "labels": {"app.kubernetes.io/managed-by": "gtwizard"},
        },
        "type": "Opaque",
        "data": {SECRET_KEY: base64.b64encode(key.encode()).decode()},
    }
    header = (
        "the GT key Open WebUI uses. It holds a secret: keep it out of git unless encrypted "
        "(SOPS, Sealed Secrets); apply with kubectl apply -f (never --from-literal)."
    )
    return _dump(header, body)


def values_yaml(m: Manifests) -> bytes:
    """Values for the official chart, given after the operator's own (`-f yours -f this`)."""
    body: dict[str, object] = {
        "openaiBaseApiUrls": [m.openai_base],
        "openaiApiKeysExistingSecret": m.secret,
        "openaiApiKeysExistingSecretKey": SECRET_KEY,
        # with Pipelines on (the chart's default) its endpoint comes first in
        # OPENAI_API_BASE_URLS and needs its own key in the same Secret value
        "pipelines": {"enabled": False},
        "extraEnvVars": [e for e in m.plain_env() if e["name"] != "OPENAI_API_BASE_URLS"],
    }
    header = (
        "values for the open-webui Helm chart; the key is not here, it is in the Secret "
        f"{m.secret}.\n# Give it after your own values: helm upgrade RELEASE open-webui/open-webui "
        f"-n {m.namespace} -f your-values.yaml -f {VALUES_FILE}\n# Helm replaces lists: if your "
        "values set extraEnvVars, add these entries to yours. Pipelines are turned off: their "
        "endpoint would need a key of its own in the Secret."
    )
    return _dump(header, body)


def patch_yaml(m: Manifests) -> bytes:
    """A strategic-merge patch: env entries merge by name into the container's own."""
    body = {
        "apiVersion": "apps/v1",
        "kind": m.kind,
        "metadata": {"name": m.workload},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": m.container, "env": [*m.plain_env(), m.key_ref()]}]
                }
            }
        },
    }
    return _dump(f"points {m.kind} {m.workload} at the Secret {m.secret}", body)


def kustomization_yaml(m: Manifests) -> bytes:
    """A kustomize Component: the operator's kustomization lists this folder under components."""
    body = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "resources": [SECRET_FILE],
        "patches": [{"path": PATCH_FILE, "target": {"kind": m.kind, "name": m.workload}}],
    }
    header = (
        "a kustomize Component: add this folder under `components:` of the kustomization "
        f"that has {m.kind} {m.workload}"
    )
    return _dump(header, body)


def render(m: Manifests, key: str) -> dict[str, bytes]:
    """Every file's bytes by name."""
    return {
        SECRET_FILE: secret_yaml(m, key),
        VALUES_FILE: values_yaml(m),
        PATCH_FILE: patch_yaml(m),
        KUSTOMIZATION_FILE: kustomization_yaml(m),
    }


def key_in_secret(text: str, secret: str) -> str | None:
    """The GT key a rendered Secret named `secret` holds (`data` decoded, or `stringData`)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict) or doc.get("kind") != "Secret":
        return None
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or meta.get("name") != secret:
        return None
    value: object = None
    data, plain = doc.get("data"), doc.get("stringData")
    if isinstance(plain, dict) and SECRET_KEY in plain:
        value = plain[SECRET_KEY]
    elif isinstance(data, dict) and isinstance(data.get(SECRET_KEY), str):
        try:
            value = base64.b64decode(data[SECRET_KEY], validate=True).decode()
        except ValueError:
            return None
    if not isinstance(value, str):
        return None
    keys = [k for k in value.split(";") if k.startswith("gtak_")]
    return keys[0] if keys else None


def masked(text: str, key: str) -> str:
    """`text` with the key and its base64 form replaced by the masked key."""
    from gtwizard.redact import mask

    shown = mask(key)
    return text.replace(key, shown).replace(base64.b64encode(key.encode()).decode(), shown)
