"""Open WebUI on Kubernetes (issue 23, part 1): the manifests gtwizard writes, checked with the
real client-side tools (kubernetes-validate --strict, kubectl kustomize, kubectl's --local mode),
and bad input refused before any key is minted, with the tenant's own key list as the witness.

No Kubernetes API server can run here; the end-to-end proof through a real Open WebUI started
with exactly the environment the rendered manifests give a pod is in test_kubernetes_openwebui.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.cli_helpers import mint_setup_args, run_cli
from support.k8s_fixture import (
    kubectl,
    kubectl_on_path,
    kustomize,
    operator_base,
    pod_env,
    validate_strict,
)
from support.rotation_helpers import tenant_keys

from gtwizard.kinds import TargetKind
from gtwizard.openwebui.envfile import GtConnection
from gtwizard.targets import kubernetes_manifests as km
from gtwizard.targets.registry import SPECS, from_settings

BASE = "https://gt.example.test/api/tenant/v1"
KEY = "gtak_" + "k" * 36 + "9Zq1"
NAMES = ("helpdesk", "research-assistant")


def written(folder: Path, **settings: str) -> Any:
    target = from_settings(SPECS[TargetKind.KUBERNETES], {"dir": str(folder), **settings})
    connection = GtConnection(BASE, KEY, NAMES)
    plan = target.plan(connection, None)
    asyncio.run(target.apply(connection, ca_bundle=None, plan=plan))
    return target


@pytest.mark.parametrize(
    ("workload", "kind", "name"),
    [
        ("statefulset/open-webui", "StatefulSet", "open-webui"),
        ("deployment/chat", "Deployment", "chat"),
    ],
)
def test_every_manifest_validates_and_the_pod_gets_the_key_from_the_secret(
    tmp_path: Path, workload: str, kind: str, name: str
) -> None:
    gt = tmp_path / "gitops" / "gtwizard"
    (tmp_path / "gitops").mkdir()
    target = written(gt, workload=workload, namespace="default", secret="gt-key")

    assert sorted(p.name for p in gt.iterdir()) == sorted(km.FILES)
    assert (gt / km.SECRET_FILE).stat().st_mode & 0o777 == 0o600
    for name_ in (km.VALUES_FILE, km.PATCH_FILE, km.KUSTOMIZATION_FILE):
        assert KEY.encode() not in (gt / name_).read_bytes(), name_
    assert asyncio.run(target.read_key(BASE, ca_bundle=None)) == KEY

    # the folder alone builds (kubectl kustomize), and so does an operator's kustomization that
    # lists it as a component: its workload patched, its own env kept
    alone = kustomize(gt)
    assert [d["kind"] for d in alone] == ["Secret"]
    base = operator_base(tmp_path / "gitops" / "app", kind, name, gt)
    docs = kustomize(base)
    built = tmp_path / "built.yaml"
    built.write_text(yaml.safe_dump_all(docs))
    for path in (gt / km.SECRET_FILE, built):
        checked = validate_strict([path])
        assert checked.returncode == 0, checked.stdout + checked.stderr

    env = pod_env(docs, kind, name, "open-webui")
    assert env["OPENAI_API_KEYS"] == KEY  # the secretKeyRef resolves against the rendered Secret
    assert env["OPENAI_API_BASE_URLS"] == BASE
    assert env["WEBUI_NAME"] == "Company chat"
    assert '"model_ids":["helpdesk","research-assistant"]' in env["OPENAI_API_CONFIGS"]
    assert "ENABLE_PERSISTENT_CONFIG" not in env  # only on the operator's choice

    # the Helm values name the chart's own keys, and the Secret's key
    values = yaml.safe_load((gt / km.VALUES_FILE).read_text())
    assert values["openaiBaseApiUrls"] == [BASE]
    assert values["openaiApiKeysExistingSecret"] == "gt-key"
    assert values["openaiApiKeysExistingSecretKey"] == km.SECRET_KEY

    # the apply path's file, read by kubectl itself in its client-side mode (no server)
    local = kubectl("label", "--local", "-f", str(gt / km.SECRET_FILE), "-o", "yaml", "x=y")
    assert local.returncode == 0, local.stderr
    assert yaml.safe_load(local.stdout)["data"][km.SECRET_KEY]


def test_the_strict_validator_catches_a_broken_reference(tmp_path: Path) -> None:
    """The validation above can fail: a typo inside secretKeyRef is rejected."""
    gt = tmp_path / "gtwizard"
    written(gt)
    base = operator_base(tmp_path / "app", "StatefulSet", "open-webui", gt)
    text = yaml.safe_dump_all(kustomize(base)).replace(
        "key: OPENAI_API_KEYS", "kye: OPENAI_API_KEYS"
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    assert "kye:" in text
    assert validate_strict([broken]).returncode != 0


def test_disabling_persistent_config_is_written_where_chosen_and_a_rewrite_keeps_a_backup(
    tmp_path: Path,
) -> None:
    gt = tmp_path / "gtwizard"
    written(gt)
    first = (gt / km.SECRET_FILE).read_bytes()
    written(gt, disable_persistent_config="yes")
    values = yaml.safe_load((gt / km.VALUES_FILE).read_text())
    assert {"name": "ENABLE_PERSISTENT_CONFIG", "value": "False"} in values["extraEnvVars"]
    env = pod_env(
        kustomize(operator_base(tmp_path / "app", "StatefulSet", "open-webui", gt)),
        "StatefulSet",
        "open-webui",
        "open-webui",
    )
    assert env["ENABLE_PERSISTENT_CONFIG"] == "False"
    # same key: the Secret is unchanged, the values and patch changed and were backed up
    assert (gt / km.SECRET_FILE).read_bytes() == first
    assert (gt / (km.VALUES_FILE + ".bak")).is_file()
    assert not (gt / (km.SECRET_FILE + ".bak")).exists()


# --- bad input, refused before any key is minted -----------------------------------------------


def refused(own_sandbox: Any, *extra: str, env: dict[str, str] | None = None) -> str:
    before = {k.id for k in tenant_keys(own_sandbox)}
    args = mint_setup_args(own_sandbox.base_url, NAMES, "--target", "kubernetes", *extra)
    out = run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": own_sandbox.operator_token, **(env or {})})
    assert out.returncode in (1, 2), out.stdout + out.stderr
    assert {k.id for k in tenant_keys(own_sandbox)} == before  # nothing minted
    assert "Traceback" not in out.stderr
    return out.stderr


def test_a_missing_parent_folder_is_refused_before_any_mint(
    own_sandbox: Any, tmp_path: Path
) -> None:
    said = refused(own_sandbox, "--k8s-dir", str(tmp_path / "no-such" / "gtwizard"))
    assert f"the folder {tmp_path / 'no-such'} for --k8s-dir" in said


def test_an_unknown_workload_kind_is_refused_before_any_mint(
    own_sandbox: Any, tmp_path: Path
) -> None:
    said = refused(own_sandbox, "--k8s-dir", str(tmp_path / "gt"), "--k8s-workload", "daemonset/x")
    assert "is not statefulset/NAME or deployment/NAME" in said


def test_a_file_of_the_operators_is_never_overwritten(own_sandbox: Any, tmp_path: Path) -> None:
    folder = tmp_path / "gitops"
    folder.mkdir()
    theirs = b"resources:\n  - deployment.yaml  # the operator's own\n"
    (folder / "kustomization.yaml").write_bytes(theirs)
    said = refused(own_sandbox, "--k8s-dir", str(folder))
    assert "was not written by gtwizard" in said
    assert (folder / "kustomization.yaml").read_bytes() == theirs


def test_apply_without_a_kubectl_context_is_refused_before_any_mint(
    own_sandbox: Any, tmp_path: Path
) -> None:
    empty = tmp_path / "kubeconfig"
    empty.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    said = refused(
        own_sandbox,
        "--k8s-dir",
        str(tmp_path / "gt"),
        "--k8s-apply",
        "yes",
        env={"KUBECONFIG": str(empty), **kubectl_on_path()},
    )
    assert "--k8s-apply needs a working kubectl context" in said
    assert not (tmp_path / "gt").exists()


def test_apply_to_a_cluster_that_does_not_answer_is_refused_before_any_mint(
    own_sandbox: Any, tmp_path: Path
) -> None:
    """A context whose server is not there (port 9 on loopback: nothing listens)."""
    config = tmp_path / "kubeconfig"
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
                "contexts": [{"name": "gone", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "gone",
            }
        )
    )
    said = refused(
        own_sandbox,
        "--k8s-dir",
        str(tmp_path / "gt"),
        "--k8s-apply",
        "yes",
        env={"KUBECONFIG": str(config), **kubectl_on_path()},
    )
    assert "kubectl context gone cannot create Secrets in namespace default" in said
