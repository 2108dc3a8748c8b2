"""An error on screen: what happened, then what to do, each a sentence of its own; the CLI's
line keeps the hint exactly as given (`--json` shows it, scripts match it)."""

from __future__ import annotations

import pytest

from gtwizard.errors import InvalidInput


@pytest.mark.parametrize(
    ("hint", "shown"),
    [
        ("create it", "Create it"),
        ("give the path of the env file", "Give the path of the env file"),
        ("use ~/.continue/config.yaml", "Use ~/.continue/config.yaml"),
        ("run: gtwizard check", "Run: gtwizard check"),
        ("Check the file", "Check the file"),
        # typed as they are: a command, a flag, a path, a URL, an abbreviation
        ("gtwizard check --profile x", "gtwizard check --profile x"),
        ("--mint auto", "--mint auto"),
        ("~/.continue/config.yaml is read", "~/.continue/config.yaml is read"),
        ("http://tenant/gt-api has it", "http://tenant/gt-api has it"),
        ("e.g. helpdesk", "e.g. helpdesk"),
        ("kubectl apply -f it", "kubectl apply -f it"),
    ],
)
def test_the_hint_starts_its_own_sentence_on_screen(hint: str, shown: str) -> None:
    error = InvalidInput("the folder /x does not exist", hint)
    assert error.on_screen() == f"The folder /x does not exist. {shown}."
    assert error.one_line() == f"the folder /x does not exist. {hint}."


def test_a_message_that_starts_with_a_path_is_shown_as_typed() -> None:
    error = InvalidInput("/srv/x.env is a directory, not an env file", "give the path")
    assert error.on_screen() == "/srv/x.env is a directory, not an env file. Give the path."


def test_the_hint_itself_is_kept_as_written() -> None:
    """`--json` shows the hint as it was given; only the screen makes it a sentence."""
    assert InvalidInput("x failed", "run it again").hint == "run it again"
