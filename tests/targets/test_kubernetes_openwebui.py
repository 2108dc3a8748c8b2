"""Open WebUI on Kubernetes, proven through the real Open WebUI 0.12.4 (issue 23, part 1).

No API server can run here, so the pod is played honestly: gtwizard's folder is built with
`kubectl kustomize` as a component of an operator's StatefulSet, every `secretKeyRef` is resolved
against the rendered Secret, and Open WebUI starts with exactly that environment (the restart is
what `kubectl rollout restart` does). gtwizard proves the key through Open WebUI's URL (the proof
channel) as an ordinary user; rotation revokes the old key only once Open WebUI holds and answers
with the new one. The tests run in file order and share one gtwizard home and one Open WebUI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import files_containing, mint_setup_args, run_cli
from support.k8s_fixture import kustomize, operator_base, pod_env
from support.owui_fixture import (
    admin_token,
    free_port,
    grant_users,
    start_openwebui,
    stop_openwebui,
)
from support.rotation_helpers import key_status, stored_key, tenant_keys

from gtwizard.profiles import get_profile
from gtwizard.targets import kubernetes_manifests as km

pytestmark = [pytest.mark.openwebui, pytest.mark.slow]

NAMES = ("helpdesk", "research-assistant")
PROFILE = "k8s"


class Cluster:
    """gtwizard's folder inside an operator's GitOps repo, and the one pod it configures."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.gt = root / "gitops" / "gtwizard"
        (root / "gitops").mkdir(parents=True)
        self.app = operator_base(root / "gitops" / "app", "StatefulSet", "open-webui", self.gt)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.owui: Any = None

    def env(self) -> dict[str, str]:
        return pod_env(kustomize(self.app), "StatefulSet", "open-webui", "open-webui")

    def rollout(self) -> Any:
        """`kubectl rollout restart`: the pod starts again with the Secret as it is now."""
        self.stop()
        self.owui = start_openwebui(self.root / "data", self.env(), port=self.port)
        return self.owui

    def stop(self) -> None:
        if self.owui is not None:
            stop_openwebui(self.owui)
            self.owui = None


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gtwizard-k8s")


@pytest.fixture(autouse=True)
def shared_home(home: Path, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GTWIZARD_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("GTWIZARD_STATE_DIR", str(home / "state"))


@pytest.fixture(scope="module")
def cluster(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    place = Cluster(tmp_path_factory.mktemp("k8s"))
    try:
        yield place
    finally:
        place.stop()


def cli(args: list[str], env: dict[str, str] | None = None) -> Any:
    return run_cli(args, env=env, timeout=300)


def test_setup_writes_the_secret_and_open_webui_started_from_it_proves_the_key(
    cluster: Cluster, sandbox: Any, home: Path
) -> None:
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    args = mint_setup_args(
        sandbox.base_url,
        NAMES,
        "--profile",
        PROFILE,
        "--target",
        "kubernetes",
        "--k8s-dir",
        str(cluster.gt),
        "--k8s-disable-persistent-config",
        "yes",
        "--prove-url",
        cluster.url,
        "--json",
    )
    out = cli(args, env)
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout)
    target = result["target"]
    assert target["kind"] == "kubernetes" and target["place"] == str(cluster.gt)
    assert target["secret"] == "open-webui-gt" and target["workload"] == "statefulset/open-webui"
    profile = get_profile(PROFILE)
    assert profile.target_kind == "kubernetes" and profile.openwebui_url == cluster.url
    assert profile.target_settings["disable_persistent_config"] == "yes"
    secret = stored_key(profile)
    assert secret and secret not in out.stdout + out.stderr
    # the key is in the Secret only (and gtwizard's own store), never in values or the patch
    assert files_containing(cluster.root, secret) == []  # base64 in the Secret, not plain
    assert cluster.env()["OPENAI_API_KEYS"] == secret

    owui = cluster.rollout()
    token = admin_token(owui)
    grant_users(owui, token, NAMES)
    checked = cli(
        ["check", "--profile", PROFILE, "--json", "--timeout", "60"],
        {"GTWIZARD_OPENWEBUI_TOKEN": token},
    )
    assert token not in checked.stdout + checked.stderr
    by_id = {c["id"]: c for c in json.loads(checked.stdout)["checks"]}
    proof = by_id["product-proof"]
    assert proof["status"] == "pass", proof
    assert (
        "an ordinary Open WebUI user chatted with helpdesk, research-assistant" in proof["detail"]
    )


def test_a_running_open_webui_without_the_persistent_config_choice_is_refused_before_a_mint(
    cluster: Cluster, sandbox: Any, tmp_path: Path
) -> None:
    """Relies on the running Open WebUI. Its database would keep the old connection: refused,
    both ways out said, nothing minted, nothing written."""
    assert cluster.owui is not None
    before = {k.id for k in tenant_keys(sandbox)}
    args = mint_setup_args(
        sandbox.base_url,
        NAMES,
        "--profile",
        "k8s-trap",
        "--target",
        "kubernetes",
        "--k8s-dir",
        str(tmp_path / "other"),
        "--prove-url",
        cluster.url,
    )
    out = cli(args, {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token})
    assert out.returncode == 1, out.stdout + out.stderr
    assert "already started once" in out.stderr and "Secret" in out.stderr
    assert "--k8s-disable-persistent-config yes" in out.stderr
    assert {k.id for k in tenant_keys(sandbox)} == before
    assert not (tmp_path / "other").exists()


def test_rotation_revokes_the_old_key_only_after_open_webui_proved_the_new_one(
    cluster: Cluster, sandbox: Any
) -> None:
    """Relies on the profile and the running Open WebUI (with the old key)."""
    assert cluster.owui is not None
    before = get_profile(PROFILE)
    old = stored_key(before)
    assert old
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    waiting = cli(["rotate", "--profile", PROFILE, "--yes", "--json"], env)
    assert waiting.returncode == 0, waiting.stdout + waiting.stderr
    result = json.loads(waiting.stdout)
    assert result["state"] == "waiting"
    new = stored_key(before, result["new_key_id"])
    assert new and new != old
    # the new Secret is written; the pod has not restarted: Open WebUI still uses the old key
    assert cluster.env()["OPENAI_API_KEYS"] == new
    assert (cluster.gt / (km.SECRET_FILE + ".bak")).is_file()
    assert key_status(sandbox, old) == 200 and key_status(sandbox, new) == 200

    token = admin_token(cluster.owui)
    early = cli(
        ["rotate", "--profile", PROFILE, "--finish"], {**env, "GTWIZARD_OPENWEBUI_TOKEN": token}
    )
    assert early.returncode != 0, early.stdout + early.stderr
    assert "does not use the new key" in early.stdout + early.stderr
    assert "rollout restart statefulset/open-webui" in early.stdout + early.stderr
    assert key_status(sandbox, old) == 200  # never revoked while Open WebUI holds it

    token = admin_token(cluster.rollout())
    done = cli(
        ["rotate", "--profile", PROFILE, "--finish"], {**env, "GTWIZARD_OPENWEBUI_TOKEN": token}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[proof] an ordinary Open WebUI user chatted with helpdesk, research-assistant" in (
        done.stdout
    )
    assert key_status(sandbox, old) == 401 and key_status(sandbox, new) == 200
    assert get_profile(PROFILE).key_id == result["new_key_id"]
    assert token not in done.stdout + done.stderr and new not in done.stdout + done.stderr
