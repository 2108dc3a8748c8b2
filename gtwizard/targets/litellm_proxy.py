"""The LiteLLM proxy: one `model_list` entry per GT chat name in its config.yaml, the key in the
env file the proxy starts with.

The config holds only references (`api_key: os.environ/GT_API_KEY`); the key itself is written to
the env file the proxy's service reads at start (systemd `EnvironmentFile`, `docker --env-file`),
0600, atomically, the previous version kept.

No LiteLLM endpoint shows a deployment's key (`/model/info` drops `api_key`), but each deployment's
id is LiteLLM's own SHA-256 of its model name and its resolved `litellm_params`, the key included
(`Router.generate_model_id`, 1.108), and `/model/info` shows that id, as each chat's
`x-litellm-model-id` header does. So gtwizard recomputes the id of each of its entries (as the
config has it) with a candidate key: `holds` compares it with what the running proxy shows, and
`prove` chats through the proxy (with its master key) and requires the answer to come from the
deployment with exactly that id. A proxy still running on the old key never passes, even while the
old key works; a LiteLLM that computes ids otherwise fails safe (the rotation waits).

The admin API that changes models live (`/model/new`) needs LiteLLM's database: config-file mode
only, so a changed key needs the proxy's restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.kinds import TargetKind
from gtwizard.targets.litellm_running import MARKER, deployment_id, loaded_ids, use_through

if TYPE_CHECKING:
    from gtwizard.nextsteps import NextStep
    from gtwizard.openwebui.envfile import ApplyResult, EnvPlan, GtConnection
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice
    from gtwizard.targets.base import ProofRequest

PRODUCT = "LiteLLM proxy"
KEY_VAR = "GT_API_KEY"
MASTER_KEY_ENV = "GTWIZARD_LITELLM_MASTER_KEY"  # gtwizard.credentials.LITELLM
MANAGED = "managed"
MODEL_LIST = ["model_list"]
PLACEHOLDER_KEY = "gtak_" + "0" * 40  # the shape of a key, never a real one
ENV_DIALECT = "systemd"  # how a service's EnvironmentFile reads it (quotes stripped)


def chat_names(names: tuple[str, ...] | list[str], embedding_model: str | None) -> list[str]:
    """The names that get a chat entry: everything but embedding models."""
    return [n for n in names if n != embedding_model and "embed" not in n.lower()]


def entry_for(name: str, openai_base: str, *, embedding: bool = False) -> dict[str, Any]:
    """gtwizard's model_list entry for one GT name (references only, never the key)."""
    info: dict[str, str] = {MARKER: MANAGED}
    if embedding:
        info["mode"] = "embedding"
    return {
        "model_name": name,
        "litellm_params": {
            "model": f"openai/{name}",
            "api_base": openai_base,
            "api_key": f"os.environ/{KEY_VAR}",
        },
        "model_info": info,
    }


def is_ours(item: Any) -> bool:
    info = item.get("model_info") if isinstance(item, dict) else None
    return isinstance(info, dict) and MARKER in info


@dataclass(frozen=True)
class LiteLLMPlan:
    """The config edit and the env-file edit, nothing written until `apply`."""

    config: Path
    old_config: bytes = field(repr=False)
    new_config: bytes = field(repr=False)
    config_existed: bool
    env: EnvPlan
    names: tuple[str, ...]

    @property
    def config_changed(self) -> bool:
        return self.new_config != self.old_config or not self.config_existed

    def config_diff(self) -> str:
        import difflib

        a = self.old_config.decode("utf-8", "replace").splitlines()
        b = self.new_config.decode("utf-8", "replace").splitlines()
        label = str(self.config)
        return "\n".join(difflib.unified_diff(a, b, label, label, lineterm=""))


@dataclass(frozen=True)
class LiteLLMApplied:
    config_changed: bool
    config_backup: Path | None
    env: ApplyResult


@dataclass(frozen=True)
class LiteLLMTarget:
    """A LiteLLM proxy run from a config file, with the env file its service starts it with."""

    config: Path
    env_file: Path | None = None  # default: .env beside the config
    url: str | None = None  # the proxy's URL, for the proof
    restart: str = ""  # the operator's own restart command, shown, never run

    kind = TargetKind.LITELLM
    product = PRODUCT

    @property
    def env_path(self) -> Path:
        return self.env_file or self.config.parent / ".env"

    # --- gtwizard.targets.base.ClientTarget --------------------------------------------------

    @property
    def place(self) -> str:
        return str(self.config)

    @property
    def reads_at_start(self) -> bool:
        return True

    @property
    def applies(self) -> bool:
        return True

    @property
    def proof_url(self) -> str | None:
        return self.url

    @property
    def credential(self) -> str | None:
        return None  # the master key is read where the proxy has it, never kept

    @property
    def can_prove(self) -> bool:
        if not self.url:
            return False
        try:
            return self.master_key() is not None
        except InvalidInput:
            return False

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        self._config_text()  # exists and parses: refused here, before any key exists
        notes: list[str] = []
        if not self.env_path.parent.is_dir():
            raise InvalidInput(
                f"the folder for {self.env_path} does not exist",
                "create it, or give another --litellm-env, and run the command again",
            )
        if not self.url:
            notes.append(
                "no --litellm-url: the key cannot be proven through the proxy from here; a "
                "rotation waits for `gtwizard rotate --finish`"
            )
        else:
            try:
                if self.master_key() is None:
                    notes.append(
                        f"no master key found (general_settings.master_key in {self.config}, or "
                        f"{MASTER_KEY_ENV}): the proof through the proxy cannot run"
                    )
            except InvalidInput as exc:
                notes.append(str(exc))
        return notes

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """Plan the whole edit with a placeholder key: every refusal happens before a mint."""
        from gtwizard.fileio import check_replaceable, real_path
        from gtwizard.targets.openwebui import connection_for

        for path in (self.config, self.env_path):
            real = real_path(path)
            if real.exists():
                check_replaceable(real)
        self.plan(connection_for(choice, openai_base, PLACEHOLDER_KEY), choice)

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        self.check_edit(choice, openai_base)
        return f"LiteLLM config {self.config} and env file {self.env_path} editable"

    def plan(self, connection: GtConnection, choice: KeyChoice) -> LiteLLMPlan:
        from gtwizard.openwebui.envfile import validate_connection

        conn = validate_connection(connection)
        names = tuple(chat_names(conn.model_ids, choice.embedding_model))
        if not names:
            raise InvalidInput(
                "none of the chosen names is a chat model: LiteLLM gets no entry",
                "choose at least one agent alias or chat model",
            )
        embedding = conn.embedding_model if conn.embeddings else None
        text, existed = self._config_text()
        edited = self._edit(text, names, embedding, conn.openai_base)
        env = self._plan_env(conn.api_key)
        every = names + ((embedding,) if embedding and embedding not in names else ())
        return LiteLLMPlan(self.config, text.encode(), edited.encode(), existed, env, every)

    async def apply(
        self, connection: GtConnection, *, ca_bundle: str | None, plan: LiteLLMPlan | None
    ) -> LiteLLMApplied:
        """The env file first (the key the entries refer to), then the config."""
        from gtwizard.fileio import atomic_write
        from gtwizard.openwebui.envfile import apply_plan

        plan = plan or self.plan(connection, _choice_of(connection))
        current, existed = self._read_config()
        if current != plan.old_config or existed != plan.config_existed:
            raise OperationFailed(
                f"{self.config} changed since the plan was made", "plan again and review the diff"
            )
        env = apply_plan(plan.env)
        backup = None
        if plan.config_changed:
            try:
                backup = atomic_write(
                    self.config, plan.new_config, mode=_mode(self.config), backup=existed
                )
            except PermissionError as exc:
                raise OperationFailed(
                    f"cannot write {self.config}: permission denied", "run as the file's owner"
                ) from exc
        return LiteLLMApplied(plan.config_changed, backup, env)

    def describe(self, applied: LiteLLMApplied) -> tuple[str, bool]:
        parts = [applied.env.message]
        if applied.config_changed:
            kept = (
                f" (previous version in {applied.config_backup})" if applied.config_backup else ""
            )
            parts.append(f"wrote {self.config}{kept}")
        else:
            parts.append(f"{self.config} already has gtwizard's entries")
        return "; ".join(parts), applied.config_changed or applied.env.changed

    @property
    def action(self) -> str:
        return (
            f"write gtwizard's model_list entries into {self.config} and the key into "
            f"{self.env_path} (0600; previous versions kept as .bak)"
        )

    def review(self, plan: LiteLLMPlan) -> tuple[str, dict[str, Any]]:
        config_diff = plan.config_diff()
        env_diff = plan.env.diff or ""
        text = "\n".join(
            [
                config_diff or f"{plan.config}: already up to date",
                env_diff or f"{plan.env.path}: already up to date",
            ]
        )
        return text, {"config_diff": config_diff, "env_diff": env_diff}

    def summary(self, plan: LiteLLMPlan | None, applied: LiteLLMApplied | None) -> dict[str, Any]:
        if plan is None:
            return {}
        out: dict[str, Any] = {
            "config": str(self.config),
            "env_file": str(self.env_path),
            "models": list(plan.names),
        }
        if applied is not None:
            out["changed"] = applied.config_changed or applied.env.changed
            out["backup"] = str(applied.config_backup) if applied.config_backup else None
            out["env_backup"] = str(applied.env.backup) if applied.env.backup else None
        return out

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        """The key gtwizard's entries refer to, as the env file has it now."""
        from gtwizard.targets import yamlblock

        text, _ = self._config_text()
        data = yamlblock.load(text, str(self.config))
        items = data.get("model_list") if isinstance(data, dict) else None
        ours = [i for i in items or [] if is_ours(i)]
        if not ours:
            return None
        ref = (ours[0].get("litellm_params") or {}).get("api_key")
        if not (isinstance(ref, str) and ref.startswith("os.environ/")):
            return ref if isinstance(ref, str) and ref else None
        return self._env_values().get(ref.removeprefix("os.environ/")) or None

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        """The running proxy's deployments of gtwizard's entries carry the ids LiteLLM gives them
        with `secret` as their key (None: no URL or master key here to ask it)."""
        if not self.url:
            return None
        master = self.master_key()
        if master is None:
            return None
        expected = self.expected_ids(secret)
        loaded = await loaded_ids(self.url, master, config=str(self.config), ca_bundle=ca_bundle)
        return bool(expected) and all(loaded.get(n) == i for n, i in expected.items())

    def restart_step(self, profile: Profile) -> NextStep | None:
        from gtwizard.nextsteps import NextStep

        commands = (self.restart,) if self.restart else ()
        detail = (
            f"LiteLLM reads {self.config} and the key in {self.env_path} only when it starts: "
            "restart the proxy with that env file in its environment (systemd EnvironmentFile=, "
            "docker run --env-file: re-create the container, `docker restart` keeps the old "
            "environment)."
        )
        note = (
            f"Then `gtwizard check --profile {profile.name}` proves it through {self.url}."
            if self.url
            else "Give --litellm-url to let gtwizard prove the key through the proxy."
        )
        return NextStep(
            f"Restart the LiteLLM proxy so it reads {self.env_path}", detail, commands, note
        )

    async def prove(self, request: ProofRequest) -> str:
        from gtwizard.targets.base import ProofUnavailable

        if not self.url:
            raise ProofUnavailable(
                "the key cannot be proven through LiteLLM: its URL is not known",
                "give --litellm-url (setup), or finish with `gtwizard rotate --finish "
                "--revoke-without-proof` once the proxy restarted",
            )
        master = self.master_key()
        if master is None:
            raise ProofUnavailable(
                f"the key cannot be proven through LiteLLM at {self.url}: no master key",
                f"set general_settings.master_key in {self.config}, or export {MASTER_KEY_ENV}",
            )
        expected = self.expected_ids(request.secret)
        loaded = await loaded_ids(
            self.url, master, config=str(self.config), ca_bundle=request.ca_bundle
        )
        if not expected or any(loaded.get(n) != i for n, i in expected.items()):
            step = self.restart_step(request.profile)
            how = f" ({'; '.join(step.commands)})" if step and step.commands else ""
            raise OperationFailed(
                f"LiteLLM at {self.url} still runs with another key: its deployments of "
                f"{', '.join(expected) or 'the GT names'} were not loaded with it",
                f"restart it so it reads {self.env_path}{how}, then run this again",
            )
        choice, profile = request.choice, request.profile
        if choice is not None:
            names = chat_names(choice.names, choice.embedding_model)
            embedding = choice.embedding_model if choice.embeddings else None
        else:
            from gtwizard.openwebui.gtentry import chat_models

            names = chat_models(profile)
            embedding = profile.embedding_model if profile.embeddings else None
        await use_through(
            self.url,
            master,
            names,
            expected,
            embedding=embedding if embedding in expected else None,
            ca_bundle=request.ca_bundle,
            timeout=request.timeout,
        )
        embedded = f", and {embedding} an embedding" if embedding in expected else ""
        return (
            f"LiteLLM at {self.url} runs with this key: its deployments of "
            f"{', '.join(names)} answered a chat through GT{embedded}"
        )

    def record_in(self, profile: Profile) -> None:
        settings = {"litellm_config": str(self.config), "litellm_env": str(self.env_path)}
        if self.url:
            settings["litellm_url"] = self.url
        if self.restart:
            settings["litellm_restart"] = self.restart
        profile.target_settings.update(settings)

    def access_notes(self, choice: KeyChoice) -> list[str]:
        names = ", ".join(chat_names(choice.names, choice.embedding_model))
        return [
            f"LiteLLM's users reach {names} with a LiteLLM key (the master key, or virtual keys "
            "when the proxy has a database): gtwizard does not hand those out"
        ]

    # --- the files ------------------------------------------------------------------------------

    def _read_config(self) -> tuple[bytes, bool]:
        try:
            return self.config.read_bytes(), True
        except FileNotFoundError:
            return b"", False
        except IsADirectoryError:
            raise InvalidInput(
                f"{self.config} is a directory, not LiteLLM's config file",
                "give the path of its config.yaml with --litellm-config",
            ) from None
        except OSError as exc:
            raise InvalidInput(
                f"cannot read {self.config}: {exc.strerror}", "run as the file's owner"
            ) from None

    def _config_text(self) -> tuple[str, bool]:
        """The config's text (it must exist: the proxy runs from it) and that it parses."""
        from gtwizard.targets import yamlblock

        if not self.config.parent.is_dir():
            raise InvalidInput(
                f"the folder of {self.config} does not exist",
                "give the path of the config file the proxy starts with (--litellm-config)",
            )
        data, existed = self._read_config()
        if not existed:
            raise InvalidInput(
                f"{self.config} does not exist",
                "give the config file the proxy starts with (`litellm --config FILE`), or create "
                "an empty one",
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{self.config} is not UTF-8 text", "fix the file and run the command again"
            ) from None
        yamlblock.load(text, str(self.config))
        return text, existed

    def _edit(
        self, text: str, names: tuple[str, ...], embedding: str | None, openai_base: str
    ) -> str:
        from gtwizard.targets import yamlblock

        where = str(self.config)
        wanted = [(n, False) for n in names] + ([(embedding, True)] if embedding else [])
        data = yamlblock.load(text, where)
        items = data.get("model_list") if isinstance(data, dict) else None
        for item in items if isinstance(items, list) else []:
            named = isinstance(item, dict) and item.get("model_name") in dict(wanted)
            if named and not is_ours(item):
                raise InvalidInput(
                    f"{where} already has a model_list entry named {item['model_name']} of its "
                    "own; LiteLLM would share that name's traffic between it and GT",
                    "rename or remove that entry, or leave the name out, and run the command again",
                )
        for name, is_embedding in wanted:
            # any entry of that name is gtwizard's (refused above otherwise): replaced in place
            entry = entry_for(name, openai_base, embedding=is_embedding)
            text = yamlblock.upsert(text, MODEL_LIST, {"model_name": name}, entry, where)
        for item in items if isinstance(items, list) else []:
            # gtwizard's entry for a model the key no longer reaches (a narrower re-setup):
            # left, the proxy would route that name with GT_API_KEY and get 403s
            stale = is_ours(item) and item.get("model_name") not in dict(wanted)
            if stale and isinstance(item.get("model_name"), str):
                text = yamlblock.remove(text, MODEL_LIST, {"model_name": item["model_name"]}, where)
        return text

    def _env_values(self) -> dict[str, str]:
        from gtwizard.openwebui.envfile import EnvFile, read_env_bytes

        data, _ = read_env_bytes(self.env_path)
        return EnvFile.parse(data, ENV_DIALECT).values()

    def _plan_env(self, secret: str) -> EnvPlan:
        """The env file with GT_API_KEY set; its other lines kept byte for byte."""
        from gtwizard.openwebui.envfile import EnvFile, EnvPlan, masked_diff, read_env_bytes

        data, existed = read_env_bytes(self.env_path)
        env = EnvFile.parse(data, ENV_DIALECT)
        old = EnvFile(list(env.lines), env.bom, ENV_DIALECT)
        env.set(KEY_VAR, secret)
        new = env.to_bytes()
        return EnvPlan(
            path=self.env_path,
            dialect=ENV_DIALECT,
            existed=existed,
            old_bytes=data,
            new_bytes=new,
            diff=masked_diff(old, env, str(self.env_path), [secret]),
            changed=new != data or not existed,
            connection_index=0,
            form="singular",
            expected_config={},
        )

    def master_key(self) -> str | None:
        """The proxy's master key: GTWIZARD_LITELLM_MASTER_KEY, else general_settings.master_key
        of the config (an `os.environ/X` reference read from the env file). Never printed."""
        from gtwizard.credentials import LITELLM, env_token
        from gtwizard.targets import yamlblock

        given = env_token(LITELLM)
        if given:
            return given
        text, _ = self._config_text()
        data = yamlblock.load(text, str(self.config))
        settings = data.get("general_settings") if isinstance(data, dict) else None
        value = settings.get("master_key") if isinstance(settings, dict) else None
        if not isinstance(value, str) or not value:
            return None
        if value.startswith("os.environ/"):
            return self._env_values().get(value.removeprefix("os.environ/")) or None
        return value

    # --- the running proxy ------------------------------------------------------------------------

    def expected_ids(self, secret: str) -> dict[str, str]:
        """model_name → the id LiteLLM gives each of gtwizard's entries with `secret` as its key."""
        from gtwizard.targets import yamlblock

        text, _ = self._config_text()
        data = yamlblock.load(text, str(self.config))
        items = data.get("model_list") if isinstance(data, dict) else None
        out: dict[str, str] = {}
        for item in items if isinstance(items, list) else []:
            if not is_ours(item) or not isinstance(item.get("litellm_params"), dict):
                continue
            params = dict(item["litellm_params"])
            params["api_key"] = secret
            out[str(item.get("model_name"))] = deployment_id(str(item.get("model_name")), params)
        return out


def _mode(path: Path) -> int:
    """A config keeps its own mode (it may hold the master key: never wider than it was)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o600


def _choice_of(connection: GtConnection) -> Any:
    """A stand-in choice (only its names are read) for an apply without a plan."""
    from types import SimpleNamespace

    return SimpleNamespace(names=connection.model_ids, embedding_model=connection.embedding_model)


def build(where: Any) -> LiteLLMTarget:
    """The target a profile, a draft or the operator's flags describe (gtwizard.targets.registry)."""
    settings = dict(where.settings)
    config = Path(settings.get("litellm_config") or where.place)
    env = settings.get("litellm_env")
    return LiteLLMTarget(
        config=config,
        env_file=Path(env) if env else None,
        url=(settings.get("litellm_url") or where.proof_url or None),
        restart=settings.get("litellm_restart", ""),
    )
