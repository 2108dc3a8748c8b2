"""The module's EXAMPLES run as written, against the sandbox tenant and a real Open WebUI.

The examples are read from the module's EXAMPLES, and only their site-specific values are the
test's: the tenant host (the sandbox), the env file's path and Open WebUI's URL. The host's own
config and state dirs come from the play's module_defaults, the secrets from an Ansible Vault.
Open WebUI reads the env file the first example writes, as an operator runs it (the operator's
own settings in that file make the env file win over Open WebUI's database, and let every user
see the models); it is restarted where the examples say to restart it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.ansible_helpers import (
    COLLECTION,
    env_key,
    make_fleet,
    no_secret,
    playbook,
    profile,
    warnings,
    write_play,
)
from support.owui_fixture import (
    OpenWebUI,
    admin_token,
    docker_env_file,
    start_openwebui,
    stop_openwebui,
)
from support.rotation_helpers import key_status

pytestmark = [pytest.mark.openwebui, pytest.mark.slow]

MODULE_FILE = COLLECTION / "plugins" / "modules" / "gtwizard_profile.py"
OPERATORS_OWN = "# the operator's own settings\nENABLE_PERSISTENT_CONFIG=false\nBYPASS_MODEL_ACCESS_CONTROL=true\n"


def examples() -> str:
    """The module's EXAMPLES (read from its source, not imported: what ansible-doc shows)."""
    tree = ast.parse(MODULE_FILE.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXAMPLES":
            text: str = ast.literal_eval(node.value)
            return text
    raise AssertionError("the module has no EXAMPLES")


def example_tasks(sandbox: Any, env_file: Path, owui: OpenWebUI) -> list[dict[str, Any]]:
    """The examples with this site's values in place of example.com's."""
    text = examples()
    for theirs, ours in (
        ("tenant.example.com", sandbox.base_url),
        ("/etc/open-webui/env", str(env_file)),
        ("https://chat.example.com", owui.url),
    ):
        assert theirs in text, theirs
        text = text.replace(theirs, ours)
    tasks: list[dict[str, Any]] = yaml.safe_load(text)
    return tasks


class OpenWebUIHost:
    """The host's Open WebUI, started from its env file (restart: read the file again)."""

    def __init__(self, data_dir: Path, env_file: Path) -> None:
        self.data_dir, self.env_file = data_dir, env_file
        self.inst = start_openwebui(data_dir, docker_env_file(env_file))

    def restart(self) -> None:
        stop_openwebui(self.inst)
        self.inst = start_openwebui(self.data_dir, docker_env_file(self.env_file))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Any]]:
    env_file = tmp_path / "hosts" / "web1" / "open-webui.env"
    env_file.parent.mkdir(parents=True)
    env_file.write_text(OPERATORS_OWN)
    owui = OpenWebUIHost(tmp_path / "owui-data", env_file)
    try:
        yield {"env_file": env_file, "owui": owui}
    finally:
        stop_openwebui(owui.inst)


def test_the_examples_run_as_written(sandbox: Any, site: dict[str, Any], tmp_path: Path) -> None:
    owui: OpenWebUIHost = site["owui"]
    token = admin_token(owui.inst)
    fleet = make_fleet(
        sandbox,
        tmp_path / "fleet",
        hosts=("web1",),
        secrets={"vault_openwebui_admin_token": token},
    )
    fleet["hosts"]["web1"]["openwebui_env_file"] = str(site["env_file"])  # where env_key() reads
    setup, rotate, finish = example_tasks(sandbox, site["env_file"], owui.inst)
    assert setup[next(k for k in setup if k.startswith("gtwizard."))]["name"] == "webui"

    # 1: set up; Open WebUI then starts with the env file it wrote
    changed, text = playbook(fleet, write_play(fleet, "example 1", [setup]), "--diff")
    assert changed == {"web1": 1}, text[-3000:]
    first = _profile(fleet)
    first_key = env_key(fleet, "web1")
    assert first_key and key_status(sandbox, first_key) == 200
    assert site["env_file"].read_text().startswith(OPERATORS_OWN)  # the operator's lines kept
    owui.restart()

    # 2: rotate; an env-file target waits (both keys live) and the play says what is left
    changed, text = playbook(fleet, write_play(fleet, "example 2", [rotate]), verbose=None)
    assert changed == {"web1": 1}, text[-3000:]
    said = warnings(text)
    assert any(w.startswith("profile webui: a rotation is waiting") for w in said), said
    new_key = env_key(fleet, "web1")
    assert new_key and new_key != first_key
    assert key_status(sandbox, new_key) == 200 and key_status(sandbox, first_key) == 200
    assert _profile(fleet)["key_id"] == first["key_id"]  # not promoted before the proof

    # the restart the examples ask for between the two tasks
    owui.restart()

    # 3: finish with a proof through Open WebUI (an ordinary user chats with the new key),
    # then check; written against the restarted Open WebUI's URL
    finish = example_tasks(sandbox, site["env_file"], owui.inst)[2]
    changed, text = playbook(fleet, write_play(fleet, "example 3", [finish]), verbose=None)
    assert changed == {"web1": 1}, text[-3000:]
    after = _profile(fleet)
    assert after["key_id"] != first["key_id"]
    assert key_status(sandbox, first_key) == 401  # the old key is revoked, after the proof
    assert key_status(sandbox, new_key) == 200 and env_key(fleet, "web1") == new_key
    # the checks ran; what they could not prove is said at normal verbosity
    assert any(w.startswith("check ") for w in warnings(text)), text[-3000:]
    assert re.search(r"ok=1\s+changed=1\s+unreachable=0\s+failed=0", text)

    no_secret(fleet, [sandbox.operator_token, token], [first_key, new_key])


def _profile(fleet: dict[str, Any]) -> dict[str, Any]:
    found = profile(fleet, "web1", "webui")  # the examples' profile
    assert found is not None
    return found
