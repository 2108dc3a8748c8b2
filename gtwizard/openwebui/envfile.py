"""Open WebUI's env file: parse, edit for a GT connection, lint, diff and write it safely.

Three readers consume such a file and disagree about quoting: `docker run --env-file` keeps quotes
literally, a compose `.env` strips them and expands `$`, a systemd `EnvironmentFile` strips them and
drops unquoted backslashes. We therefore write every value unquoted and refuse any value that one of
them would read differently. Lines we do not edit are kept byte for byte (BOM, CRLF, comments,
`export ` prefixes, a missing final newline, invalid UTF-8 included).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gtwizard.errors import ConfigError, InvalidInput, OperationFailed
from gtwizard.fileio import atomic_write, real_path, require_regular
from gtwizard.openwebui.envreader import (
    OPENAI_DEFAULT_BASE,
    effective_openai_config,
    lint,
    split_list,
)
from gtwizard.openwebui.gtentry import GtConnection, is_gt_entry, normalise_base
from gtwizard.redact import mask, redact

DIALECTS: tuple[str, ...] = ("docker", "compose", "systemd")

BOM = "\ufeff"

_ASSIGN = re.compile(
    r"^(?P<prefix>[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.]*)[ \t]*=)(?P<value>.*)$",
    re.DOTALL,
)
_BARE_NAME = re.compile(
    r"^[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_.]*[ \t]*$"
)  # docker: from env
# the password of a URL's user-info (`redis://:pw@host`, `postgres://u:pw@db`), in any value
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*:)[^@/\s]+(?=@)")
_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)


@dataclass
class EnvLine:
    """One physical line: its text without the line ending, and the ending itself."""

    text: str
    eol: str

    @property
    def match(self) -> re.Match[str] | None:
        return _ASSIGN.match(self.text)

    @property
    def key(self) -> str | None:
        m = self.match
        return m.group("key") if m else None


@dataclass
class EnvFile:
    """An env file as a list of lines; edits replace or append lines, nothing else moves."""

    lines: list[EnvLine]
    bom: str = ""
    dialect: str = "docker"

    @classmethod
    def parse(cls, data: bytes, dialect: str = "docker") -> EnvFile:
        """Split `data` into lines; surrogateescape keeps undecodable bytes intact."""
        if dialect not in DIALECTS:
            raise InvalidInput(
                f"unknown env-file dialect {dialect!r}", f"use one of {', '.join(DIALECTS)}"
            )
        if b"\x00" in data:
            raise ConfigError("the env file contains NUL bytes", "point at a text env file")
        text = data.decode("utf-8", "surrogateescape")
        bom = BOM if text.startswith(BOM) else ""
        text = text[len(bom) :]
        lines: list[EnvLine] = []
        if text:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                if last and part == "":
                    break
                if not last and part.endswith("\r"):
                    lines.append(EnvLine(part[:-1], "\r\n"))
                else:
                    lines.append(EnvLine(part, "" if last else "\n"))
        return cls(lines, bom, dialect)

    def foreign_line(self) -> int | None:
        """The first line (1-based) no env-file reader takes: not blank, a comment, `NAME=value`
        or a bare `NAME`, and not inside a quoted value that spans lines (compose) or after a
        backslash continuation (systemd). A YAML, TOML or JSON file has one on its first lines:
        writing a key into it would break it, and the key would sit where no reader looks."""
        quote = ""
        continued = False
        for number, line in enumerate(self.lines, 1):
            text = line.text
            if quote:  # inside a quoted value opened on an earlier line
                quote = "" if quote in text else quote
                continue
            if continued:
                continued = text.endswith("\\")
                continue
            stripped = text.strip()
            if not stripped or stripped.startswith("#") or _BARE_NAME.match(text):
                continue
            m = _ASSIGN.match(text)
            if m is None:
                return number
            body = m.group("value").lstrip(" \t")
            if body[:1] in ("'", '"') and body[0] not in body[1:]:
                quote = body[0]
            continued = self.dialect == "systemd" and text.endswith("\\")
        return None

    def to_bytes(self) -> bytes:
        text = self.bom + "".join(line.text + line.eol for line in self.lines)
        return text.encode("utf-8", "surrogateescape")

    @property
    def newline(self) -> str:
        """The file's own line ending (the first one seen), LF for a new file."""
        return next((line.eol for line in self.lines if line.eol), "\n")

    def index_of(self, key: str) -> int | None:
        """The line that defines `key`; with duplicates the last one, since it wins."""
        found = None
        for i, line in enumerate(self.lines):
            if line.key == key:
                found = i
        return found

    def get(self, key: str) -> str | None:
        """The value `key` has for this file's dialect, or None when it is not set."""
        i = self.index_of(key)
        if i is None:
            return None
        m = self.lines[i].match
        assert m is not None
        return read_value(m.group("value"), self.dialect)

    def values(self) -> dict[str, str]:
        """Every assignment as the reader sees it (last duplicate wins)."""
        out: dict[str, str] = {}
        for line in self.lines:
            m = line.match
            if m:
                out[m.group("key")] = read_value(m.group("value"), self.dialect)
        return out

    def set(self, key: str, value: str, *, json_value: bool = False) -> None:
        """Write `key=value` unquoted: replace the winning line's value or append a line."""
        check_writable(key, value, json_value=json_value)
        i = self.index_of(key)
        if i is not None:
            m = self.lines[i].match
            assert m is not None
            self.lines[i] = EnvLine(m.group("prefix") + value, self.lines[i].eol)
            return
        newline = self.newline
        if self.lines and not self.lines[-1].eol:
            self.lines[-1] = EnvLine(self.lines[-1].text, newline)
        self.lines.append(EnvLine(f"{key}={value}", newline))


def read_value(raw: str, dialect: str) -> str:
    """How `dialect` reads the text after `=` (the subset of each reader's rules we rely on)."""
    if dialect == "docker":
        return raw
    body = raw.lstrip(" \t")
    if body[:1] in ("'", '"'):
        quote = body[0]
        out: list[str] = []
        i = 1
        while i < len(body):
            ch = body[i]
            if ch == quote:
                return "".join(out)
            if ch == "\\" and quote == '"' and i + 1 < len(body):
                i += 1
                ch = (
                    {"n": "\n", "t": "\t"}.get(body[i], body[i])
                    if dialect == "compose"
                    else body[i]
                )
            out.append(ch)
            i += 1
        return "".join(out)
    if dialect == "compose":
        cut = re.search(r"[ \t]#", body)
        return (body[: cut.start()] if cut else body).rstrip(" \t")
    # systemd: an unquoted backslash escapes the next character and is itself dropped
    return re.sub(r"\\(.)", r"\1", body).rstrip(" \t")


def unsafe_reason(value: str, *, json_value: bool = False) -> str | None:
    """Why `value` would not read the same in docker, compose and systemd, or None if it would."""
    for ch in value:
        if ch in "\r\n":
            return "contains a line break"
        if ch.isspace():
            return "contains whitespace"
        if ch in "'\"" and not (json_value and ch == '"'):
            return "contains a quote (docker keeps quotes, compose and systemd strip them)"
        if ch == "$":
            return "contains '$' (compose would expand it)"
        if ch == "#":
            return "contains '#' (compose reads it as a comment)"
        if ch == "\\":
            return "contains a backslash (systemd drops it)"
        if ch == "`":
            return "contains a backtick"
        if unicodedata.category(ch).startswith("C"):
            return "contains a control character"
    return None


def check_writable(key: str, value: str, *, json_value: bool = False) -> None:
    """Refuse (naming the variable, never the value) what cannot be written unquoted."""
    why = unsafe_reason(value, json_value=json_value)
    if why:
        raise InvalidInput(
            f"refusing to write {key}: its value {why}",
            "no quoting works the same for docker, compose and systemd; use a value without it",
        )


def refuse_uncarriable(env: EnvFile, key: str, path: Path) -> None:
    """Refuse, naming the operator's own line, a value gtwizard would carry into a line it writes.

    Keeping another connection means copying its URL and key into OPENAI_API_BASE_URLS /
    OPENAI_API_KEYS, written unquoted. A value that cannot stand unquoted is the operator's line,
    not ours: say which line (its number, the variable, a key masked) and the way out.
    """
    index = env.index_of(key)
    if index is None:
        return
    line = env.lines[index]
    value = env.get(key) or ""
    why = unsafe_reason(value)
    if why is None:
        return
    into = key if key.endswith("S") else key + "S"
    error = (
        f"line {index + 1} of {path} ({_display(line.text, [])}): its value {why}; gtwizard "
        f"keeps that connection by copying the value into {into}, which it writes unquoted"
    )
    if "quote" in why and env.dialect == "docker":
        hint = (
            "if docker compose or systemd reads this file, say so with --env-dialect compose "
            "(or systemd; on Target in the wizard): they strip the quotes; for docker run "
            "--env-file remove the quotes from that line (docker keeps them as part of the "
            "value); nothing was written"
        )
    else:
        hint = "change that line first (no quoting reads the same everywhere); nothing was written"
    raise InvalidInput(error, hint)


def compact_json(obj: object) -> str:
    """JSON without spaces, so it can stand unquoted in every dialect."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def validate_connection(conn: GtConnection) -> GtConnection:
    base = normalise_base(conn.openai_base)
    if not conn.api_key:
        raise InvalidInput("the GT key is empty")
    if ";" in conn.api_key:
        raise InvalidInput("refusing to write the GT key: it contains ';' (a list separator)")
    check_writable("OPENAI_API_KEY", conn.api_key)
    for model in conn.model_ids:
        if not model or ";" in model or unsafe_reason(model):
            raise InvalidInput(f"model id {model!r} cannot be written to OPENAI_API_CONFIGS")
    if conn.embeddings and not conn.embedding_model:
        raise InvalidInput("embeddings are on but no embedding model was given")
    return GtConnection(
        base,
        conn.api_key,
        tuple(conn.model_ids),
        conn.embeddings,
        conn.embedding_model,
        conn.prefix_id,
    )


def _looks_like_gt_key(value: str) -> bool:
    return value.strip("\"' ").startswith("gtak_")


def rekey_configs(configs: Mapping[str, Any], urls: Sequence[str]) -> dict[str, Any]:
    """Per-connection configs keyed by index only.

    Legacy URL keys become their position; keys past the end are dropped (as Open WebUI does).
    """
    out: dict[str, Any] = {}
    for key, value in configs.items():
        if key.isdigit() and int(key) < len(urls):
            out[str(int(key))] = value
    for key, value in configs.items():
        if key in urls:
            out.setdefault(str(list(urls).index(key)), value)
    return out


def place_gt_connection(
    urls: list[str], keys: list[str], configs: dict[str, Any], conn: GtConnection
) -> int:
    """Replace the GT entry (matched by host and /api/tenant) or append it; return its index.

    The three positional collections are edited together so index i keeps meaning one connection.
    """
    index = next((i for i, u in enumerate(urls) if is_gt_entry(u, conn.openai_base)), len(urls))
    if index == len(urls):
        urls.append(conn.openai_base)
        keys.append(conn.api_key)
    else:
        urls[index], keys[index] = conn.openai_base, conn.api_key
    configs[str(index)] = conn.connection_config()
    return index


def _parse_configs(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(
            "OPENAI_API_CONFIGS in the env file is not valid JSON",
            "fix or remove that line first; nothing was written",
        ) from exc
    if not isinstance(parsed, dict):
        raise ConfigError("OPENAI_API_CONFIGS in the env file is not a JSON object")
    return parsed


@dataclass
class EnvPlan:
    """The change for one env file; nothing is written until `apply_plan`."""

    path: Path
    dialect: str
    existed: bool
    old_bytes: bytes = field(repr=False)
    new_bytes: bytes = field(repr=False)
    diff: str
    changed: bool
    connection_index: int
    form: Literal["singular", "plural"]
    expected_config: dict[str, object] = field(repr=False)
    notes: list[str] = field(default_factory=list)


def _display(line: str, secrets: Sequence[str]) -> str:
    # undecodable bytes ride along as lone surrogates; a strict stdout could not print them
    line = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    m = _ASSIGN.match(line)
    if m and _SECRET_NAME.search(m.group("key")):
        value = m.group("value")
        line = m.group("prefix") + ";".join(mask(p) if p else p for p in value.split(";"))
    line = _URL_PASSWORD.sub(r"\g<head>…", line)
    return redact(line, secrets)


def masked_diff(old: EnvFile, new: EnvFile, label: str, secrets: Sequence[str]) -> str:
    """A unified diff in which every secret-looking value is masked."""
    a = [_display(line.text, secrets) for line in old.lines]
    b = [_display(line.text, secrets) for line in new.lines]
    return "\n".join(difflib.unified_diff(a, b, label, label, lineterm=""))


def plan_text(
    data: bytes,
    connection: GtConnection,
    *,
    dialect: str = "docker",
    path: Path = Path(".env"),
    existed: bool = True,
    reset_config_on_start: bool = False,
    disable_persistent_config: bool = False,
) -> EnvPlan:
    """Compute the edited file for `connection`; raise on anything we would write wrongly."""
    conn = validate_connection(connection)
    env = EnvFile.parse(data, dialect)
    foreign = env.foreign_line()
    if foreign is not None:
        raise InvalidInput(
            f"{path} does not look like an env file: its line {foreign} is not NAME=value, a "
            "comment or blank",
            "give the env file Open WebUI reads (docker run --env-file, compose env_file:, "
            "systemd EnvironmentFile=); nothing was written",
        )
    old = EnvFile(list(env.lines), env.bom, dialect)
    values = env.values()
    notes: list[str] = []

    plural_urls = values.get("OPENAI_API_BASE_URLS", "")
    single_url = values.get("OPENAI_API_BASE_URL", "").rstrip("/")
    single_key = values.get("OPENAI_API_KEY", "")
    # a key without a URL is an api.openai.com connection, unless it is plainly a GT key
    implicit_openai = not single_url and single_key and not _looks_like_gt_key(single_key)
    other_single = bool(single_url and not is_gt_entry(single_url, conn.openai_base))
    other_single = other_single or bool(implicit_openai)
    if plural_urls or other_single:
        keys_from = "OPENAI_API_KEYS" if values.get("OPENAI_API_KEYS") else "OPENAI_API_KEY"
        carried = (
            ["OPENAI_API_BASE_URLS", keys_from]
            if plural_urls
            else [
                "OPENAI_API_BASE_URL",
                "OPENAI_API_KEY",
            ]
        )
        for name in carried:
            refuse_uncarriable(env, name, path)
        if plural_urls:
            urls = split_list(plural_urls)
            keys = split_list(values.get("OPENAI_API_KEYS", "") or single_key)
            if any(u == "" for u in urls):
                raise ConfigError(
                    "OPENAI_API_BASE_URLS has an empty ';' segment "
                    "(Open WebUI turns it into https://api.openai.com/v1)",
                    "remove the stray ';' first; nothing was written",
                )
            if len(keys) != len(urls):
                raise ConfigError(
                    f"OPENAI_API_BASE_URLS has {len(urls)} entries but the keys have {len(keys)}",
                    "give every connection its key in the same position first; nothing was written",
                )
        else:
            urls, keys = [single_url or OPENAI_DEFAULT_BASE], [single_key]
            notes.append(
                "the file already had another OpenAI connection; switched to the plural "
                "OPENAI_API_BASE_URLS/OPENAI_API_KEYS form to keep it"
            )
        configs = rekey_configs(_parse_configs(values.get("OPENAI_API_CONFIGS")), urls)
        index = place_gt_connection(urls, keys, configs, conn)
        env.set("OPENAI_API_BASE_URLS", ";".join(urls))
        env.set("OPENAI_API_KEYS", ";".join(keys))
        form: Literal["singular", "plural"] = "plural"
    else:
        index = 0
        configs = {"0": conn.connection_config()}
        env.set("OPENAI_API_BASE_URL", conn.openai_base)
        env.set("OPENAI_API_KEY", conn.api_key)
        form = "singular"
    ordered = {k: configs[k] for k in sorted(configs, key=int)}
    env.set("OPENAI_API_CONFIGS", compact_json(ordered), json_value=True)
    env.set("ENABLE_OPENAI_API", "true")
    if conn.embeddings:
        assert conn.embedding_model
        env.set("RAG_EMBEDDING_ENGINE", "openai")
        env.set("RAG_OPENAI_API_BASE_URL", conn.openai_base)
        env.set("RAG_OPENAI_API_KEY", conn.api_key)
        env.set("RAG_EMBEDDING_MODEL", conn.embedding_model)
    if reset_config_on_start:
        env.set("RESET_CONFIG_ON_START", "true")
    if disable_persistent_config:
        env.set("ENABLE_PERSISTENT_CONFIG", "false")

    new_values = env.values()
    problems = lint(new_values)
    if problems:
        raise ConfigError(
            f"the env file would be unsafe: {problems[0]}",
            "fix that line first; nothing was written",
        )
    new_bytes = env.to_bytes()
    return EnvPlan(
        path=path,
        dialect=dialect,
        existed=existed,
        old_bytes=data,
        new_bytes=new_bytes,
        diff=masked_diff(old, env, str(path), [conn.api_key]),
        changed=new_bytes != data or not existed,
        connection_index=index,
        form=form,
        expected_config=effective_openai_config(new_values),
        notes=notes,
    )


def read_env_bytes(path: Path) -> tuple[bytes, bool]:
    """The file's bytes and whether it exists; a clear error when it is not ours to edit."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory, not an env file", "give the path of the file")
    require_regular(path)
    if not path.exists():
        if not path.parent.is_dir():
            raise InvalidInput(f"the directory of {path} does not exist", "create it first")
        return b"", False
    try:
        return path.read_bytes(), True
    except PermissionError as exc:
        raise InvalidInput(
            f"cannot read {path}: permission denied", "run as the file's owner or fix its mode"
        ) from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


def plan_env_file(
    path: Path,
    connection: GtConnection,
    *,
    dialect: str = "docker",
    reset_config_on_start: bool = False,
    disable_persistent_config: bool = False,
) -> EnvPlan:
    """Plan the GT connection for the env file at `path` (which may not exist yet)."""
    data, existed = read_env_bytes(Path(path))
    return plan_text(
        data,
        connection,
        dialect=dialect,
        path=Path(path),
        existed=existed,
        reset_config_on_start=reset_config_on_start,
        disable_persistent_config=disable_persistent_config,
    )


@dataclass(frozen=True)
class ApplyResult:
    path: Path
    changed: bool
    backup: Path | None
    message: str


def apply_plan(plan: EnvPlan) -> ApplyResult:
    """Write the plan atomically (0600, previous file kept as .bak); do nothing when unchanged."""
    if not plan.changed:
        return ApplyResult(plan.path, False, None, f"{plan.path} already has this configuration")
    current, existed = read_env_bytes(plan.path)
    if current != plan.old_bytes or existed != plan.existed:
        raise OperationFailed(
            f"{plan.path} changed since the plan was made", "plan again and review the new diff"
        )
    try:
        backup = atomic_write(plan.path, plan.new_bytes, mode=0o600, backup=plan.existed)
    except PermissionError as exc:
        raise OperationFailed(
            f"cannot write {plan.path}: permission denied", "run as the file's owner"
        ) from exc
    where = f" (previous version in {backup})" if backup else ""
    real = real_path(plan.path)
    via = f" through its link to {real}" if real != Path(os.path.abspath(plan.path)) else ""
    return ApplyResult(plan.path, True, backup, f"wrote {plan.path}{via}{where}")
