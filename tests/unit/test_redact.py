"""redact: known secrets and secret-shaped text are masked; a value too short to be a secret (a
stray keystroke typed as a token) is never treated as one, so the text stays readable."""

from __future__ import annotations

import pytest

from gtwizard.errors import InvalidInput
from gtwizard.gt.keys import check_operator_token
from gtwizard.redact import MIN_SECRET_LENGTH, redact

LINE = "[mint] secret store accepts a write; key_s1 ready"


@pytest.mark.parametrize("short", ["s", "e", "ecr", "x" * (MIN_SECRET_LENGTH - 1)])
def test_a_value_too_short_to_be_a_secret_is_left_alone(short: str) -> None:
    assert redact(LINE, [short]) == LINE


def test_a_known_secret_is_still_masked_wherever_it_is() -> None:
    token = "gtop_" + "Ab3" * 10
    text = f"sent {token} to the tenant; plain-{token[5:]}-tail"
    out = redact(text, [token, token[5:]])
    assert token not in out and token[5:] not in out


def test_a_secret_shaped_token_is_masked_even_when_not_named() -> None:
    assert "gtak_" + "k" * 30 not in redact("key gtak_" + "k" * 30, ["s"])


@pytest.mark.parametrize(
    "typed",
    ["s", "gtop_", "gtop_short", "gtop_" + "a" * 15, "x" * 40, "gtop_ with spaces in it ok", ""],
)
def test_a_typed_operator_token_of_the_wrong_form_is_refused_without_repeating_it(
    typed: str,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_operator_token(typed, typed=True)
    if len(typed) >= MIN_SECRET_LENGTH:  # a shorter one is a substring of any sentence
        assert typed not in caught.value.one_line()


def test_a_typed_operator_token_of_the_contracts_form_passes() -> None:
    token = "gtop_" + "A1_-" * 5
    assert check_operator_token(token, typed=True) == token
    assert check_operator_token("x" * 40) == "x" * 40  # from the environment: the tenant decides


def test_a_gt_key_is_never_an_operator_token() -> None:
    with pytest.raises(InvalidInput, match="gtak_ key is not an operator token"):
        check_operator_token("gtak_" + "k" * 30)
