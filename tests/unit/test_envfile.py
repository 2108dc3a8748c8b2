"""Env-file editing for Open WebUI: byte-exact preservation, refusals, lint, plural form, apply."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gtwizard.errors import ConfigError, InvalidInput, OperationFailed
from gtwizard.openwebui.envfile import (
    EnvFile,
    GtConnection,
    apply_plan,
    effective_openai_config,
    lint,
    plan_env_file,
    plan_text,
    read_value,
    unsafe_reason,
)

KEY = "gtak_Zq8vN3sPpX7rT2mW9kLd"
BASE = "https://acme.example/api/tenant/v1"
GT = GtConnection(BASE, KEY, ("helpdesk", "research-assistant"))
MANAGED = {
    "OPENAI_API_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_API_BASE_URLS",
    "OPENAI_API_KEYS",
    "OPENAI_API_CONFIGS",
    "ENABLE_OPENAI_API",
    "RAG_EMBEDDING_ENGINE",
    "RAG_OPENAI_API_BASE_URL",
    "RAG_OPENAI_API_KEY",
    "RAG_EMBEDDING_MODEL",
}

# ---- hypothesis: untouched lines survive byte for byte -------------------------------------

_names = st.sampled_from(["FOO", "WEBUI_NAME", "DATA_DIR", "OPENAI_API_KEY", "PORT", "X_1"])
_values = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)),
    max_size=20,
)
_line = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", _names, _values),
    st.builds(lambda k, v: f"export {k}={v}", _names, _values),
    st.builds(lambda c: f"# {c}", _values),
    st.just(""),
    st.just("   "),
)
_eol = st.sampled_from(["\n", "\r\n"])


@st.composite
def env_files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(_line, _eol), max_size=12))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    text = bom + "".join(line + eol for line, eol in lines)
    if lines and draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final newline
    return text.encode()


@given(env_files())
def test_parse_round_trips_every_byte(data: bytes) -> None:
    assert EnvFile.parse(data).to_bytes() == data


@given(st.binary(max_size=200).filter(lambda b: b"\x00" not in b))
def test_round_trip_survives_invalid_utf8(data: bytes) -> None:
    assert EnvFile.parse(data).to_bytes() == data


@settings(max_examples=150)
@given(env_files())
def test_plan_keeps_unrelated_lines_in_order(data: bytes) -> None:
    try:
        plan = plan_text(data, GT)
    except (ConfigError, InvalidInput):
        return  # an existing OPENAI_API_KEY we cannot rewrite safely: refusing is the right answer
    old = EnvFile.parse(data).lines
    new = EnvFile.parse(plan.new_bytes).lines
    untouched_old = [(ln.text, ln.eol) for ln in old if ln.key not in MANAGED]
    untouched_new = [(ln.text, ln.eol) for ln in new if ln.key not in MANAGED]
    # only the last line may gain a line ending (we append after it)
    if untouched_old and old and not old[-1].eol and old[-1].key not in MANAGED:
        untouched_old[-1] = (untouched_old[-1][0], untouched_new[len(untouched_old) - 1][1])
    assert untouched_new == untouched_old
    assert plan.new_bytes.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    assert plan_text(plan.new_bytes, GT).changed is False


# ---- concrete preservation cases --------------------------------------------------------------


def test_crlf_bom_export_duplicates_and_comments() -> None:
    data = (
        b"\xef\xbb\xbf# Open WebUI\r\n"
        b"OPENAI_API_KEY=old-one\r\n"
        b"\r\n"
        b"export OPENAI_API_KEY=old-two\r\n"
        b"WEBUI_NAME=Acme  # trailing comment\r\n"
        b"OPENAI_API_BASE_URL=https://acme.example/api/tenant"
    )
    plan = plan_text(data, GT)
    text = plan.new_bytes.decode("utf-8")
    assert text.startswith("\ufeff# Open WebUI\r\nOPENAI_API_KEY=old-one\r\n\r\n")
    assert f"export OPENAI_API_KEY={KEY}\r\n" in text  # the last duplicate, prefix kept
    assert "WEBUI_NAME=Acme  # trailing comment\r\n" in text
    assert f"OPENAI_API_BASE_URL={BASE}\r\n" in text  # gained the file's own line ending
    assert "\n" not in text.replace("\r\n", "")  # no bare LF added to a CRLF file
    assert plan.form == "singular"


def test_new_file_gets_lf_and_all_settings() -> None:
    plan = plan_text(
        b"",
        GtConnection(BASE + "/", KEY, ("helpdesk",), True, "text-embedding-small"),
        existed=False,
    )
    values = EnvFile.parse(plan.new_bytes).values()
    assert values["OPENAI_API_BASE_URL"] == BASE  # trailing slash stripped
    assert values["OPENAI_API_KEY"] == KEY
    assert values["ENABLE_OPENAI_API"] == "true"
    assert values["RAG_EMBEDDING_ENGINE"] == "openai"
    assert values["RAG_OPENAI_API_BASE_URL"] == BASE
    assert values["RAG_OPENAI_API_KEY"] == KEY
    assert values["RAG_EMBEDDING_MODEL"] == "text-embedding-small"
    assert json.loads(values["OPENAI_API_CONFIGS"]) == {
        "0": {
            "enable": True,
            "model_ids": ["helpdesk"],
            "prefix_id": "",
            "tags": [],
            "connection_type": "external",
        }
    }
    assert " " not in values["OPENAI_API_CONFIGS"]
    assert "RESET_CONFIG_ON_START" not in values
    assert "ENABLE_PERSISTENT_CONFIG" not in values
    assert b"\r" not in plan.new_bytes


def test_reset_and_persistence_only_on_explicit_flags() -> None:
    plan = plan_text(b"", GT, reset_config_on_start=True, disable_persistent_config=True)
    values = EnvFile.parse(plan.new_bytes).values()
    assert values["RESET_CONFIG_ON_START"] == "true"
    assert values["ENABLE_PERSISTENT_CONFIG"] == "false"


@pytest.mark.parametrize("dialect", ["docker", "compose", "systemd"])
def test_written_values_read_identically_in_every_dialect(dialect: str) -> None:
    plan = plan_text(b"", GT, dialect=dialect)
    assert EnvFile.parse(plan.new_bytes, dialect).values() == EnvFile.parse(plan.new_bytes).values()


def test_dialects_read_quotes_differently() -> None:
    assert read_value('"gtak_x"', "docker") == '"gtak_x"'
    assert read_value('"gtak_x"', "compose") == "gtak_x"
    assert read_value("'a$b'", "compose") == "a$b"
    assert read_value("abc # note", "compose") == "abc"
    assert read_value("abc#note", "systemd") == "abc#note"
    assert read_value(r"a\b", "systemd") == "ab"


def test_quoted_key_in_docker_file_is_rewritten_unquoted() -> None:
    plan = plan_text(f'OPENAI_API_KEY="{KEY}"\n'.encode(), GT)
    assert f"OPENAI_API_KEY={KEY}\n".encode() in plan.new_bytes


# ---- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("gtak_has space", "whitespace"),
        ('gtak_"quoted"', "quote"),
        ("gtak_$HOME", "'$'"),
        ("gtak_a#b", "'#'"),
        ("gtak_a\\b", "backslash"),
        ("gtak_a\nb", "line break"),
        ("gtak_a\x07b", "control"),
    ],
)
def test_unsafe_key_is_refused_without_echoing_it(key: str, why: str) -> None:
    with pytest.raises(InvalidInput) as err:
        plan_text(b"", GtConnection(BASE, key, ("helpdesk",)))
    line = err.value.one_line()
    assert "OPENAI_API_KEY" in line and why in line
    assert key not in line and "\n" not in line


@pytest.mark.parametrize(
    ("data", "line", "shown", "into"),
    [
        (
            b"# OpenAI\nOPENAI_API_BASE_URL=https://api.openai.com/v1\n"
            b'OPENAI_API_KEY="sk-proj-Secret1234567890"\n',
            3,
            "OPENAI_API_KEY=",
            "OPENAI_API_KEYS",
        ),
        (
            b'OPENAI_API_BASE_URLS="https://other.example/v1"\nOPENAI_API_KEYS=sk-x\n',
            1,
            'OPENAI_API_BASE_URLS="https://other.example/v1"',
            "OPENAI_API_BASE_URLS",
        ),
    ],
)
def test_a_quoted_value_of_the_operators_line_is_named_with_the_way_out(
    data: bytes, line: int, shown: str, into: str
) -> None:
    """Keeping another connection copies its values into the plural lines gtwizard writes: a
    quoted value there is the operator's own line, named by number, its key masked, and the
    refusal names --env-dialect compose (compose and systemd strip the quotes)."""
    with pytest.raises(InvalidInput) as err:
        plan_text(data, GT, dialect="docker", path=Path("/srv/owui.env"))
    text = err.value.one_line()
    assert f"line {line} of /srv/owui.env ({shown}" in text and "quote" in text
    assert f"into {into}" in text and "--env-dialect compose" in text
    assert "Secret1234567890" not in text and "nothing was written" in text
    plan = plan_text(data, GT, dialect="compose")  # the way out works: compose strips them
    written = [ln for ln in plan.new_bytes.decode().splitlines() if ln.startswith(into + "=")]
    assert plan.form == "plural" and len(written) == 1 and '"' not in written[0]


def test_other_unsafe_values_of_the_operators_line_are_named_too() -> None:
    data = b"OPENAI_API_BASE_URL=https://api.openai.com/v1\nOPENAI_API_KEY=sk-a$b-123456789\n"
    with pytest.raises(InvalidInput) as err:
        plan_text(data, GT, dialect="compose", path=Path("app.env"))
    text = err.value.one_line()
    assert "line 2 of app.env (OPENAI_API_KEY=" in text and "'$'" in text
    assert "sk-a$b" not in text and "--env-dialect" not in text


def test_unsafe_model_id_and_json_rules() -> None:
    with pytest.raises(InvalidInput):
        plan_text(b"", GtConnection(BASE, KEY, ("has space",)))
    assert unsafe_reason('{"0":{"a":1}}', json_value=True) is None
    assert unsafe_reason('{"0":{"a":1}}') is not None
    assert unsafe_reason('{"a":"b c"}', json_value=True) == "contains whitespace"


def test_missing_embedding_model_and_bad_base_are_refused() -> None:
    with pytest.raises(InvalidInput):
        plan_text(b"", GtConnection(BASE, KEY, (), True, None))
    with pytest.raises(InvalidInput):
        plan_text(b"", GtConnection("acme.example/api/tenant", KEY))


# ---- lint ------------------------------------------------------------------------------------


def test_lint_finds_each_problem() -> None:
    assert lint({"OPENAI_API_BASE_URLS": "http://a/v1;", "OPENAI_API_KEYS": "k1;k2"})
    assert any(
        "empty" in p for p in lint({"OPENAI_API_BASE_URLS": "a;;b", "OPENAI_API_KEYS": "1;2;3"})
    )
    assert any("trailing" in p for p in lint({"OPENAI_API_BASE_URLS": "http://a/v1/"}))
    assert any("trailing" in p for p in lint({"RAG_OPENAI_API_BASE_URL": "http://a/v1/"}))
    assert any("keys have 1" in p for p in lint({"OPENAI_API_BASE_URLS": "http://a;http://b"}))
    assert any("JSON" in p for p in lint({"OPENAI_API_CONFIGS": "{bad"}))
    assert any("outside" in p for p in lint({"OPENAI_API_CONFIGS": '{"1":{}}'}))
    sound = {
        "OPENAI_API_BASE_URLS": "http://a/v1;http://b/v1",
        "OPENAI_API_KEYS": "k1;k2",
        "OPENAI_API_CONFIGS": '{"0":{},"1":{}}',
    }
    assert lint(sound) == []


def test_plan_refuses_a_file_with_an_empty_segment() -> None:
    with pytest.raises(ConfigError, match="empty"):
        plan_text(b"OPENAI_API_BASE_URLS=http://a/v1;\nOPENAI_API_KEYS=k1;k2\n", GT)
    with pytest.raises(ConfigError, match="2 entries"):
        plan_text(b"OPENAI_API_BASE_URLS=http://a/v1;http://b/v1\nOPENAI_API_KEYS=k1\n", GT)


# ---- plural form ---------------------------------------------------------------------------


def test_plural_form_edits_gt_entry_and_keeps_others() -> None:
    data = (
        b"OPENAI_API_BASE_URLS=http://other:8000/v1;https://acme.example/api/tenant;http://third/v1\n"
        b"OPENAI_API_KEYS=sk-other-key-1234;gtak_oldoldoldold;k3\n"
        b'OPENAI_API_CONFIGS={"0":{"prefix_id":"o"},"http://third/v1":{"enable":false}}\n'
    )
    plan = plan_text(data, GT)
    eff = plan.expected_config
    assert eff["OPENAI_API_BASE_URLS"] == ["http://other:8000/v1", BASE, "http://third/v1"]
    assert eff["OPENAI_API_KEYS"] == ["sk-other-key-1234", KEY, "k3"]
    configs = eff["OPENAI_API_CONFIGS"]
    assert isinstance(configs, dict)
    assert configs["0"] == {"prefix_id": "o"}
    assert configs["2"] == {"enable": False}  # legacy URL key re-keyed by position
    assert configs["1"]["model_ids"] == ["helpdesk", "research-assistant"]
    assert plan.connection_index == 1 and plan.form == "plural"
    assert b"OPENAI_API_BASE_URL=" not in plan.new_bytes  # plural wins; no singular added


def test_plural_form_appends_when_no_gt_entry() -> None:
    data = b"OPENAI_API_BASE_URLS=http://other/v1\nOPENAI_API_KEYS=k1\n"
    plan = plan_text(data, GT)
    assert plan.connection_index == 1
    assert plan.expected_config["OPENAI_API_KEYS"] == ["k1", KEY]


def test_other_singular_connection_is_kept_by_switching_to_plural() -> None:
    data = b"OPENAI_API_BASE_URL=http://ollama-proxy/v1/\nOPENAI_API_KEY=k-other\n"
    plan = plan_text(data, GT)
    assert plan.form == "plural" and plan.notes
    assert plan.expected_config["OPENAI_API_BASE_URLS"] == ["http://ollama-proxy/v1", BASE]
    assert plan.expected_config["OPENAI_API_KEYS"] == ["k-other", KEY]
    assert lint(EnvFile.parse(plan.new_bytes).values()) == []


def test_effective_config_mirrors_open_webui_defaults() -> None:
    eff = effective_openai_config({"OPENAI_API_BASE_URLS": "http://a/v1;"})
    assert eff["OPENAI_API_BASE_URLS"] == ["http://a/v1", "https://api.openai.com/v1"]
    assert effective_openai_config({"OPENAI_API_CONFIGS": "[1]"})["OPENAI_API_CONFIGS"] == {}


# ---- diff, apply, idempotence --------------------------------------------------------------


def test_diff_masks_every_secret() -> None:
    data = (
        b"WEBUI_SECRET_KEY=very-secret-value-123\nOPENAI_API_KEY=old-key-abcdefgh\nA=1\n"
        b"OPENAI_API_BASE_URL=https://acme.example/api/tenant\n"
    )
    plan = plan_text(data, GtConnection(BASE, KEY, ("helpdesk",), True, "emb"))
    assert KEY not in plan.diff
    assert "old-key-abcdefgh" not in plan.diff
    assert "+OPENAI_API_KEY=gtak_…" in plan.diff
    assert "+RAG_OPENAI_API_KEY=gtak_…" in plan.diff


def test_apply_writes_0600_with_backup_then_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "owui.env"
    path.write_bytes(b"# keep me\nWEBUI_NAME=Acme\n")
    os.chmod(path, 0o644)
    first = apply_plan(plan_env_file(path, GT))
    assert first.changed and first.backup is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.backup.read_bytes() == b"# keep me\nWEBUI_NAME=Acme\n"
    assert path.read_bytes().startswith(b"# keep me\nWEBUI_NAME=Acme\n")
    backup_stat = first.backup.stat()
    file_stat = path.stat()

    second_plan = plan_env_file(path, GT)
    assert second_plan.changed is False and second_plan.diff == ""
    second = apply_plan(second_plan)
    assert second.changed is False and "already" in second.message
    assert path.stat().st_ino == file_stat.st_ino  # not rewritten
    assert first.backup.stat().st_mtime_ns == backup_stat.st_mtime_ns  # no backup churn
    assert KEY not in first.message + second.message


def test_apply_creates_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "new.env"
    result = apply_plan(plan_env_file(path, GT, dialect="systemd"))
    assert result.changed and result.backup is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_apply_refuses_when_file_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "owui.env"
    path.write_bytes(b"A=1\n")
    plan = plan_env_file(path, GT)
    path.write_bytes(b"A=2\n")
    with pytest.raises(OperationFailed, match="changed since"):
        apply_plan(plan)
    assert path.read_bytes() == b"A=2\n"


def test_unusable_paths_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is a directory"):
        plan_env_file(tmp_path, GT)
    with pytest.raises(InvalidInput, match="does not exist"):
        plan_env_file(tmp_path / "nope" / "x.env", GT)
    locked = tmp_path / "locked.env"
    locked.write_bytes(b"A=1\n")
    os.chmod(locked, 0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user who can read mode-000 files (root)")
        with pytest.raises(InvalidInput, match="permission denied"):
            plan_env_file(locked, GT)
    finally:
        os.chmod(locked, 0o600)


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(InvalidInput, match="dialect"):
        plan_text(b"", GT, dialect="kubernetes")
