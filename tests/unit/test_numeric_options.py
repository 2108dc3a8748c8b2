"""Every numeric option refuses what is not a usable number, NaN and infinity included, in one
line with exit 2, before anything runs (`--wait nan` waited forever, `check --timeout nan` failed
every check and kept that as the profile's last check)."""

from __future__ import annotations

import pytest

from gtwizard import cli
from gtwizard.profiles import Profile, load_profiles, save_profile

BAD = ["nan", "NaN", "inf", "-inf", "infinity", "0", "-1"]
SECONDS = [
    ["check", "--profile", "p", "--timeout"],
    ["check", "--all", "--timeout"],
    ["probe", "127.0.0.1:9", "--timeout"],
    ["rotate", "--due", "--wait"],
    ["rotate", "--profile", "p", "--yes", "--wait"],
]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("args", SECONDS, ids=lambda args: " ".join(args))
def test_seconds_must_be_a_finite_positive_number(
    args: list[str], value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    save_profile(Profile(name="p", tenant_host="t.example.com", storage_kind="none"))
    option = args[-1]
    assert cli.main([*args[:-1], f"{option}={value}"]) == 2  # `=`: argparse takes -inf
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1, said
    assert said.err.startswith(f"gtwizard: argument {option}: ") and value in said.err, said.err
    assert "a positive number of seconds" in said.err
    assert load_profiles()["p"].last_check is None  # nothing ran, nothing was kept


@pytest.mark.parametrize("value", ["0", "-3", "100000000000", "nan"])
def test_expiry_days_must_be_a_sane_whole_number(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["setup", "--preset", "open-webui", "--host", "t.example.com", "--key-stdin"]
    assert cli.main([*args, f"--expires-days={value}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gtwizard: argument --expires-days: ") and err.count("\n") == 1, err


def test_a_usable_number_still_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["probe", "127.0.0.1:9", "--timeout", "0.5", "--json"]) == 1
    assert '"ok": false' in capsys.readouterr().out
