"""gtwizard.safetext: what a tenant's text becomes before a person sees it."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from support.hostile_helpers import FORBIDDEN, forbidden_in

from gtwizard.crash import tenant_fault
from gtwizard.errors import OperationFailed
from gtwizard.gt.contract import is_key_form, key_id_problem, key_name_problem
from gtwizard.safetext import (
    EscapingTable,
    GuardedStream,
    guard,
    guard_json,
    loads_untrusted,
    visible,
)
from gtwizard.sandbox.hostile import HOSTILE_TEXT


def test_every_forbidden_character_becomes_its_escape() -> None:
    for point in sorted(FORBIDDEN):
        shown = visible(f"a{chr(point)}b")
        assert forbidden_in(shown) == [], hex(point)
        assert shown.startswith("a\\") and shown.endswith("b"), shown


def test_format_separator_and_surrogate_characters_are_escaped_too() -> None:
    # tag characters (invisible "ASCII smuggling"), zero-width space, BOM, line separator,
    # a lone surrogate (which could not even be encoded for the terminal)
    for char in ("\U000e0041", "\u200b", "\ufeff", "\u2028", "\u2029", "\ud800", "\u00ad"):
        assert visible(char).startswith("\\"), repr(char)
        visible(char).encode("utf-8")  # never raises
    assert visible("\U000e0041") == "\\U000e0041"


def test_text_people_write_is_left_alone() -> None:
    for text in ("Müller's key", "ключ отдела", "مفتاح", "キー 🔑", "👩\u200d💻 team"):
        assert visible(text) == text


def test_the_hostile_payload_is_shown_not_obeyed() -> None:
    shown = visible(HOSTILE_TEXT, limit=None)
    assert shown.startswith("\\x1b]52;c;")
    assert forbidden_in(shown) == []
    assert "\\u202e" in shown and "\\x9b" in shown and "\\x0d" in shown


def test_visible_is_one_bounded_line() -> None:
    assert visible("a\nb\tc") == "a\\x0ab\\x09c"
    long = visible("x" * 5000)
    assert len(long) < 220 and long.endswith("…(4800 more)")
    assert visible("\x1b" * 500, limit=40).endswith("more)")  # escapes count towards the bound


def test_guard_keeps_lines_and_tabs_and_escapes_the_rest() -> None:
    assert guard("a\n\tb\x1b[2J\r\u202e") == "a\n\tb\\x1b[2J\\x0d\\u202e"


def test_guard_json_keeps_the_same_values() -> None:
    entry = {"detail": HOSTILE_TEXT + " Grüße \U000e0041", "n": 1}
    text = guard_json(json.dumps(entry, ensure_ascii=False))
    assert forbidden_in(text) == []
    assert json.loads(text) == entry
    assert "Grüße" in text  # not escaped: readable in the log


def test_a_guarded_stream_escapes_what_is_written() -> None:
    sink = io.StringIO()
    stream = GuardedStream(sink)  # type: ignore[arg-type]
    stream.write("ok\n" + HOSTILE_TEXT + "\n")
    assert forbidden_in(sink.getvalue()) == []
    assert sink.getvalue().startswith("ok\n\\x1b]52")


def test_the_escaping_table_keeps_the_tables_own_entries() -> None:
    table = EscapingTable({7: None})
    assert "a\x07b\x1bc\nd".translate(table) == "ab\\x1bc\nd"


def test_deep_json_is_refused_as_a_bad_body() -> None:
    for depth in (65, 100_000):
        with pytest.raises(ValueError, match="nests deeper than 64"):
            loads_untrusted("[" * depth + "]" * depth)
    assert loads_untrusted("[" * 64 + "]" * 64)
    with pytest.raises(ValueError, match="not JSON"):
        loads_untrusted(b"\xff<html>")


def test_a_recursion_error_from_the_json_decoder_is_the_senders_fault() -> None:
    try:
        json.loads("[" * 200_000 + "]" * 200_000)
    except RecursionError as exc:
        fault = tenant_fault(exc)
    assert isinstance(fault, OperationFailed) and fault.exit_code == 1
    assert "bad answer from the tenant" in fault.message

    def recurse(n: int) -> int:
        return recurse(n + 1)

    try:
        recurse(0)
    except RecursionError as exc:
        assert tenant_fault(exc) is None, "a recursion of gtwizard's own is still a bug"


@pytest.mark.parametrize(
    "key_id", ["key_0123abcd", "manual-0a1b2c3d4e5f", "k", "tenant:key.7_x-1", "A" * 128]
)
def test_key_ids_of_the_contracts_shape(key_id: str) -> None:
    assert key_id_problem(key_id) is None


@pytest.mark.parametrize(
    "key_id",
    ["", "-lead", "key 1", "key/../x", "key_\x1b]52", "ключ", "A" * 129, "key\u202e", 7, None],
)
def test_key_ids_that_do_not_fit(key_id: object) -> None:
    problem = key_id_problem(key_id)
    assert problem
    if isinstance(key_id, str) and key_id:
        assert key_id not in problem, "a message never quotes what the tenant sent"


@pytest.mark.parametrize(
    "name",
    [
        "gtwizard-3f9c2a1b-openwebui-20260101-101010-ab12",
        "Quarterly report (finance)",
        "Schlüssel für Müller",
        "مفتاح الفريق",
        "x" * 200,
    ],
)
def test_key_names_people_and_gtwizard_make(name: str) -> None:
    assert key_name_problem(name) is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "a\nb", "a\x1b[2J", "a\u202eb", "a\x9b"])
def test_key_names_that_do_not_fit(name: str) -> None:
    assert key_name_problem(name)


def test_a_minted_secret_has_the_form_of_a_pasted_one() -> None:
    assert is_key_form("gtak_" + "A1b2_-" * 7)
    for bad in ("gtak_short", "gtak_" + "x" * 257, "gtak_" + "x" * 20 + "\x1b", "sk-" + "x" * 30):
        assert not is_key_form(bad)


def test_no_code_point_of_the_forbidden_list_is_printable() -> None:
    # the independent list in the test helper and Unicode agree: none of these is text
    assert all(unicodedata.category(chr(c)) in ("Cc", "Cf") for c in FORBIDDEN)
