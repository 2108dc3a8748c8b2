"""Continue (the IDE extensions and its `cn` CLI): a model entry per GT name in its config.yaml,
the key in the `.env` beside it.

Continue resolves `${{ secrets.GT_API_KEY }}` from its process environment, then from `.env` in
its global folder (`~/.continue`, or CONTINUE_GLOBAL_DIR), then from `.continue/.env` of the
workspace it runs in. So the config file must sit in such a `.continue` folder: a `.env` anywhere
else is never read. Continue reads both files at every run (no restart); the proof runs the real
`cn -p` with the written config, its `.env` reached exactly as a workspace's is, and a global
folder of its own (no telemetry, the operator's own Continue state untouched).
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.kinds import TargetKind
from gtwizard.targets import yamlblock

if TYPE_CHECKING:
    from gtwizard.nextsteps import NextStep
    from gtwizard.openwebui.envfile import GtConnection
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice
    from gtwizard.targets.base import ProofRequest

CONTINUE = TargetKind.CONTINUE
PRODUCT = "Continue"
CLI_VERSION = "1.5.47"  # scripts/install-continue.sh installs this one
SECRET_NAME = "GT_API_KEY"
SECRET_REF = "${{ secrets." + SECRET_NAME + " }}"
ENTRY_PREFIX = "GT API "  # gtwizard's own entries: "GT API <name>"
PLACEHOLDER_KEY = "gtak_" + "0" * 40  # the shape of a key, never a real one
PROMPT = "gtwizard check: reply with one short sentence."
# cn's own switches for its usage reports (telemetryService): off for every run gtwizard makes
QUIET_ENV = {"CONTINUE_CLI_ENABLE_TELEMETRY": "0", "CONTINUE_METRICS_ENABLED": "0"}
PASS_THROUGH = ("PATH", "LANG", "LC_ALL", "TMPDIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")
USED_LINE = "Using persisted model during initialization"  # cn's debug log, 1.5.x
NEW_CONFIG = "name: GT API\nversion: 1.0.0\nschema: v1\n"


def entry_name(model: str) -> str:
    return ENTRY_PREFIX + model


def cli_path() -> str | None:
    """`cn`: GTWIZARD_CONTINUE_CLI, else scripts/install-continue.sh's cache, else PATH."""
    explicit = os.environ.get("GTWIZARD_CONTINUE_CLI")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    installed = cache / "gtwizard" / f"continue-cli-{CLI_VERSION}" / "node_modules" / ".bin" / "cn"
    if os.access(installed, os.X_OK):
        return str(installed)
    return shutil.which("cn")


@dataclass(frozen=True)
class ContinuePlan:
    """The two files' changes; nothing is written until `apply`."""

    config: Path
    env: Path
    old_config: bytes = field(repr=False)
    new_config: bytes = field(repr=False)
    config_existed: bool
    old_env: bytes = field(repr=False)
    new_env: bytes = field(repr=False)
    env_existed: bool
    diff: str  # secrets masked
    models: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.config_changed or self.env_changed

    @property
    def config_changed(self) -> bool:
        return self.new_config != self.old_config or not self.config_existed

    @property
    def env_changed(self) -> bool:
        return self.new_env != self.old_env or not self.env_existed


@dataclass(frozen=True)
class ContinueApplied:
    changed: bool
    backups: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ContinueTarget:
    """Continue's config.yaml (global `~/.continue` or a workspace's `.continue`) and its .env."""

    config: Path
    model: str = ""  # one GT name only (empty: every chat name of the key)

    kind = CONTINUE
    product = PRODUCT

    @property
    def env_path(self) -> Path:
        return self.config.parent / ".env"

    @property
    def place(self) -> str:
        return str(self.config)

    @property
    def reads_at_start(self) -> bool:
        return False  # Continue reads config.yaml and .env at every run

    @property
    def applies(self) -> bool:
        return True

    @property
    def proof_url(self) -> str | None:
        return None

    @property
    def credential(self) -> str | None:
        return None

    @property
    def can_prove(self) -> bool:
        return cli_path() is not None

    # --- gtwizard.targets.base.ClientTarget --------------------------------------------------

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        self._check_place()
        _read(self.config)
        _read(self.env_path)
        if self.model and names and self.model not in names:
            raise InvalidInput(
                f"--continue-model {self.model} is not one of the key's names ({', '.join(names)})",
                "give one of them, or leave --continue-model out to add every name",
            )
        if not self.can_prove:
            return [
                "the Continue CLI (cn) is not installed here: the key is written but cannot be "
                "proven from here (install @continuedev/cli, or set GTWIZARD_CONTINUE_CLI)"
            ]
        return []

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """The whole edit with a placeholder key: every refusal happens here, before a mint."""
        from gtwizard.fileio import check_replaceable, real_path
        from gtwizard.targets.openwebui import connection_for

        self.plan(connection_for(choice, openai_base, PLACEHOLDER_KEY), choice)
        check_replaceable(real_path(self.config))
        check_replaceable(real_path(self.env_path))

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        self.check_edit(choice, openai_base)
        return f"Continue config {self.config} and {self.env_path} writable and editable"

    def plan(self, connection: GtConnection, choice: KeyChoice) -> ContinuePlan:
        return self._plan(connection)

    def _plan(self, connection: GtConnection) -> ContinuePlan:
        from gtwizard.openwebui.envfile import EnvFile, masked_diff

        self._check_place()
        models = self._models(connection.model_ids, connection.embedding_model)
        old_config, config_existed = _read(self.config)
        try:
            text = old_config.decode("utf-8") if config_existed else ""
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{self.config} is not UTF-8 text", "fix its encoding and run the command again"
            ) from None
        if not text.strip():
            text = NEW_CONFIG
        where = str(self.config)
        for model in models:
            entry = {
                "name": entry_name(model),
                "provider": "openai",
                "model": model,
                "apiBase": connection.openai_base,
                "apiKey": SECRET_REF,
            }
            text = yamlblock.upsert(text, ["models"], {"name": entry["name"]}, entry, where)
        for name in _stale_entries(yamlblock.load(text, where), connection.model_ids):
            text = yamlblock.remove(text, ["models"], {"name": name}, where)
        new_config = text.encode("utf-8")
        if config_existed and text == old_config.decode("utf-8"):
            new_config = old_config  # untouched: byte for byte
        old_env, env_existed = _read(self.env_path)
        env = EnvFile.parse(old_env, "compose")
        before = EnvFile(list(env.lines), env.bom, env.dialect)
        env.set(SECRET_NAME, connection.api_key)
        new_env = env.to_bytes()
        config_diff = "\n".join(
            difflib.unified_diff(
                old_config.decode("utf-8", "replace").splitlines() if config_existed else [],
                new_config.decode("utf-8", "replace").splitlines(),
                where,
                where,
                lineterm="",
            )
        )
        env_diff = masked_diff(before, env, str(self.env_path), [connection.api_key])
        return ContinuePlan(
            config=self.config,
            env=self.env_path,
            old_config=old_config,
            new_config=new_config,
            config_existed=config_existed,
            old_env=old_env,
            new_env=new_env,
            env_existed=env_existed,
            diff="\n".join(d for d in (config_diff, env_diff) if d),
            models=models,
        )

    async def apply(
        self, connection: GtConnection, *, ca_bundle: str | None, plan: ContinuePlan | None
    ) -> ContinueApplied:
        from gtwizard.fileio import atomic_write

        plan = plan or self._plan(connection)  # a rotation applies without a reviewed plan
        if not plan.changed:
            return ContinueApplied(
                False, (), f"{self.config} and {self.env_path} already up to date"
            )
        for path, old, existed in (
            (plan.config, plan.old_config, plan.config_existed),
            (plan.env, plan.old_env, plan.env_existed),
        ):
            if _read(path) != (old, existed):
                raise OperationFailed(
                    f"{path} changed since the plan was made", "plan again and review the new diff"
                )
        backups: list[str] = []
        written: list[str] = []
        try:
            # the key first: the config's reference resolves to it from the moment it exists
            if plan.env_changed:
                saved = atomic_write(plan.env, plan.new_env, mode=0o600, backup=plan.env_existed)
                backups += [str(saved)] if saved else []
                written.append(str(plan.env))
            if plan.config_changed:
                mode = plan.config.stat().st_mode & 0o777 if plan.config_existed else 0o644
                saved = atomic_write(
                    plan.config, plan.new_config, mode=mode, backup=plan.config_existed
                )
                backups += [str(saved)] if saved else []
                written.append(str(plan.config))
        except PermissionError as exc:
            raise OperationFailed(
                f"cannot write {exc.filename or self.config}: permission denied",
                "run as the file's owner",
            ) from None
        kept = f" (previous versions in {', '.join(backups)})" if backups else ""
        return ContinueApplied(True, tuple(backups), f"wrote {' and '.join(written)}{kept}")

    def describe(self, applied: ContinueApplied) -> tuple[str, bool]:
        return applied.message, applied.changed

    @property
    def action(self) -> str:
        return (
            f"write {self.config} (a model entry per GT name) and {self.env_path} "
            f"({SECRET_NAME}, 0600; previous versions kept as .bak)"
        )

    def review(self, plan: ContinuePlan) -> tuple[str, dict[str, Any]]:
        text = plan.diff or f"{plan.config} and {plan.env}: already up to date"
        return text, {"diff": plan.diff, "models": [entry_name(m) for m in plan.models]}

    def summary(self, plan: ContinuePlan | None, applied: ContinueApplied | None) -> dict[str, Any]:
        if plan is None:
            return {}
        return {
            "config": str(plan.config),
            "env_file": str(plan.env),
            "models": [entry_name(m) for m in plan.models],
            "changed": applied.changed if applied is not None else plan.changed,
            "backups": list(applied.backups) if applied is not None else [],
        }

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        """The key gtwizard's entries resolve to: GT_API_KEY of the .env beside config.yaml,
        when an entry for this base refers to it."""
        try:
            entries = self._entries(openai_base)
        except InvalidInput:
            return None
        if not entries:
            return None
        return self._env_secret()

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        # cn and the IDE extensions read both files at every run: what the files resolve to is
        # what Continue uses next
        return await self.read_key(openai_base, ca_bundle=ca_bundle) == secret

    def restart_step(self, profile: Profile) -> NextStep | None:
        return None  # Continue reads its config at every run

    async def prove(self, request: ProofRequest) -> str:
        """`cn -p` with the written config, once per GT name: Continue itself resolves the key
        from the .env and calls GT with it; an answer with text is the proof."""
        import asyncio

        from gtwizard.targets.base import ProofUnavailable

        cn = cli_path()
        if cn is None:
            raise ProofUnavailable(
                "the Continue CLI (cn) is not installed here",
                "install it (npm install @continuedev/cli) or set GTWIZARD_CONTINUE_CLI to its cn",
            )
        if await self.read_key(request.openai_base, ca_bundle=request.ca_bundle) != request.secret:
            raise OperationFailed(
                f"Continue's {self.env_path} does not hold this key for the GT entries of "
                f"{self.config}",
                f"apply the profile again: gtwizard setup --replace --profile {request.profile.name}",
            )
        models = self._proof_models(request)
        for model in models:
            await asyncio.to_thread(self._run_cn, cn, model, request)
        return f"Continue's cn answered with {', '.join(models)} through {self.config}"

    def record_in(self, profile: Profile) -> None:
        settings = {"config": str(self.config)}
        if self.model:
            settings["model"] = self.model
        profile.target_settings.update(settings)

    def access_notes(self, choice: KeyChoice) -> list[str]:
        return [
            f"Continue picks the models named {ENTRY_PREFIX}<name> from {self.config}; a "
            f"{SECRET_NAME} exported in a user's shell wins over {self.env_path}",
            f"keep {self.env_path} out of version control (it holds the key)",
        ]

    # --- helpers ------------------------------------------------------------------------------

    def _check_place(self) -> None:
        folder = self.config.parent
        global_dir = os.environ.get("CONTINUE_GLOBAL_DIR")
        if folder.name != ".continue" and not (global_dir and Path(global_dir) == folder):
            raise InvalidInput(
                f"{self.config} is not in a .continue folder: Continue reads the key's .env only "
                "from ~/.continue or a workspace's .continue folder",
                "use ~/.continue/config.yaml or <workspace>/.continue/config.yaml",
            )
        if not folder.is_dir():
            raise InvalidInput(
                f"the folder {folder} does not exist",
                f"create it (mkdir -p {folder}) or start Continue once, then run this again",
            )

    def _models(self, names: tuple[str, ...], embedding: str | None) -> tuple[str, ...]:
        if self.model:
            if self.model not in names:
                raise InvalidInput(
                    f"--continue-model {self.model} is not one of the key's names "
                    f"({', '.join(names)})",
                    "give one of them, or leave --continue-model out to add every name",
                )
            return (self.model,)
        chat = tuple(n for n in names if n != embedding and "embed" not in n.lower())
        if not chat:
            raise InvalidInput(
                "the key has no chat model for Continue", "allow at least one chat name"
            )
        return chat

    def _proof_models(self, request: ProofRequest) -> list[str]:
        from gtwizard.openwebui.gtentry import chat_models

        if self.model:
            return [self.model]
        names = chat_models(request.profile)
        if not names:
            raise OperationFailed("the profile names no chat model to prove in Continue")
        return names

    def _config_data(self) -> Any:
        data, existed = _read(self.config)
        if not existed:
            return None
        return yamlblock.load(data.decode("utf-8", "replace"), str(self.config))

    def _entries(self, openai_base: str) -> list[dict[str, Any]]:
        """gtwizard's entries that refer to the .env's key for this base."""
        data = self._config_data()
        models = data.get("models") if isinstance(data, dict) else None
        if not isinstance(models, list):
            return []
        base = openai_base.rstrip("/")
        return [
            m
            for m in models
            if isinstance(m, dict)
            and str(m.get("name", "")).startswith(ENTRY_PREFIX)
            and str(m.get("apiBase", "")).rstrip("/") == base
            and m.get("apiKey") == SECRET_REF
        ]

    def _env_secret(self) -> str | None:
        from gtwizard.openwebui.envfile import EnvFile

        data, existed = _read(self.env_path)
        if not existed:
            return None
        return EnvFile.parse(data, "compose").get(SECRET_NAME) or None

    def _run_cn(self, cn: str, model: str, request: ProofRequest) -> None:
        """One `cn -p` run with `model` selected. Its global folder is a fresh one (the model
        selection, no telemetry, the operator's own state untouched); it runs in a folder whose
        `.continue` is the config's folder, so it reads that .env as in the workspace."""
        from gtwizard.redact import redact

        name = entry_name(model)
        found = yamlblock.find(self._config_data(), ["models"], {"name": name})
        if found is None or found.get("apiKey") != SECRET_REF:
            raise OperationFailed(
                f"{self.config} has no entry {name!r} that refers to {SECRET_NAME}",
                f"apply the profile again: gtwizard setup --replace --profile {request.profile.name}",
            )
        with tempfile.TemporaryDirectory(prefix="gtwizard-continue-") as tmp:
            home = Path(tmp) / "global"
            (home / "index").mkdir(parents=True)
            (home / "index" / "globalContext.json").write_text(
                json.dumps({"cliSelectedModel": name}), encoding="utf-8"
            )
            workspace = Path(tmp) / "workspace"
            workspace.mkdir()
            (workspace / ".continue").symlink_to(self.config.parent, target_is_directory=True)
            env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
            env.update(QUIET_ENV, HOME=str(home), CONTINUE_GLOBAL_DIR=str(home))
            if request.ca_bundle:
                env["NODE_EXTRA_CA_CERTS"] = request.ca_bundle
            # --verbose: cn's log (in the private home, removed below) says which entry it used;
            # a name it cannot find makes it fall back to the first model, maybe the operator's
            argv = [cn, "-p", PROMPT, "--config", str(self.config), "--verbose"]
            try:
                done = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    env=env,
                    cwd=workspace,
                    timeout=max(request.timeout, 30.0),
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise OperationFailed(
                    f"Continue's cn did not answer with {model} in time",
                    "check that the GT base is reachable from here and run the check again",
                ) from None
            except OSError as exc:
                raise OperationFailed(f"cannot run Continue's cn ({exc.strerror})") from None
            used = _used_entry(home / "logs" / "cn.log", name)
        if done.returncode != 0 or not done.stdout.strip():
            said = redact((done.stderr or done.stdout).strip(), [request.secret])
            last = said.splitlines()[-1][:300] if said else f"exit code {done.returncode}"
            raise OperationFailed(
                f"Continue's cn got no answer with {model} through {self.config}: {last}",
                "a 401 means the key in the .env is not accepted: apply the profile again",
            )
        if not used:
            raise OperationFailed(
                f"Continue's cn answered, but not with the entry {name!r} of {self.config}",
                "check that no other entry of that name hides gtwizard's, then run this again",
            )


def _stale_entries(data: Any, models: Sequence[str]) -> list[str]:
    """gtwizard's own entries (its name prefix and the key reference) for a model the key no
    longer reaches (a narrower re-setup): left, cn would offer them and get 403s. An entry for
    a name the key still reaches stays (one added earlier with --continue-model, say)."""
    items = data.get("models") if isinstance(data, dict) else None
    wanted = {entry_name(model) for model in models}
    return [
        item["name"]
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and item["name"].startswith(ENTRY_PREFIX)
        and item.get("apiKey") == SECRET_REF
        and item["name"] not in wanted
    ]


def _used_entry(log: Path, name: str) -> bool:
    """cn's verbose log says it started with the selected entry `name`."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    wanted = f'"name":{json.dumps(name)}'
    return any(USED_LINE in line and wanted in line for line in text.splitlines())


def _read(path: Path) -> tuple[bytes, bool]:
    """A file's bytes and whether it exists; one clear line when it is not a readable file."""
    from gtwizard.openwebui.envfile import read_env_bytes

    return read_env_bytes(path)


def build(where: Any) -> ContinueTarget:
    """The target a profile, a draft or the setup flags describe (gtwizard.targets.registry)."""
    settings = dict(where.settings)
    place = settings.get("config") or where.place
    if not place:
        place = str(Path("~/.continue/config.yaml").expanduser())
    return ContinueTarget(Path(place), model=settings.get("model", ""))
