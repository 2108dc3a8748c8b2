"""Configuration snippets for the 22 products without an automated target, and `setup --snippet`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from support.cli_helpers import files_containing, run_cli

from gtwizard.errors import InvalidInput
from gtwizard.presets.catalog import Product, load_catalog
from gtwizard.secrets import key_entry, open_store
from gtwizard.snippets import APPENDS_V1, KEY_ENV, YAML, build_snippet, write_snippet

HOST = "tenant.example.com"
GT_BASE = f"https://{HOST}/api/tenant"
OPENAI_BASE = GT_BASE + "/v1"
NAMES = ("helpdesk", "research-assistant")
SECRET = "gtak_snippetCanary0123456789abcdef"
OTHERS = [p for p in load_catalog().products if p.slug != "open-webui"]


def with_key(product: Product):
    return build_snippet(
        product,
        openai_base=OPENAI_BASE,
        gt_base=GT_BASE,
        names=NAMES,
        secret=SECRET,
        include_secret=True,
    )


def test_there_are_22_other_products() -> None:
    assert len(OTHERS) == 22


@pytest.mark.parametrize("product", OTHERS, ids=lambda p: p.slug)
def test_snippet_has_base_and_key_reference_but_no_secret(product: Product) -> None:
    snip = build_snippet(
        product, openai_base=OPENAI_BASE, gt_base=GT_BASE, names=NAMES, secret=SECRET
    )
    expected_base = GT_BASE if product.slug in APPENDS_V1 else OPENAI_BASE
    assert snip.base == expected_base
    body = snip.text.split("\n\n", 1)[1]  # below the header: the runbook's own fields
    assert expected_base in body
    assert KEY_ENV in body and snip.key_reference in snip.text
    assert SECRET not in snip.text and "gtak_..." not in snip.text
    assert "<tenant-host>" not in snip.text and "published-" not in snip.text
    assert NAMES[0] in body
    assert not snip.includes_secret and snip.file_mode == 0o644
    if snip.format == YAML:  # scalars are double-quoted (JSON strings are valid YAML)
        assert f'"{expected_base}"' in body and f'"{snip.key_reference}"' in body
    # every runbook field whose value is a base ends up with the chosen base
    for item in product.config_fields:
        if "<tenant-host>" in item.value:
            assert f"{expected_base}" in body and f"{expected_base}/" not in body


@pytest.mark.parametrize("product", OTHERS, ids=lambda p: p.slug)
def test_include_secret_puts_the_key_in(product: Product) -> None:
    snip = with_key(product)
    assert SECRET in snip.text and snip.includes_secret and snip.file_mode == 0o600


def test_hermes_gets_the_documented_base_others_the_chosen_one() -> None:
    catalog = load_catalog()
    hermes = build_snippet(
        catalog.product("hermes"), openai_base=OPENAI_BASE, gt_base=GT_BASE, names=NAMES
    )
    assert f'  base_url: "{GT_BASE}"\n' in hermes.text
    assert f'  default: "{NAMES[0]}"\n' in hermes.text
    litellm = build_snippet(
        catalog.product("litellm"), openai_base=OPENAI_BASE, gt_base=GT_BASE, names=NAMES
    ).text
    for name in NAMES:
        assert (
            f'  - model_name: "{name}"\n    litellm_params:\n      model: "openai/{name}"\n'
            in litellm
        )
    assert litellm.count(f'      api_base: "{OPENAI_BASE}"\n') == len(NAMES)
    assert litellm.count(f'      api_key: "os.environ/{KEY_ENV}"\n') == len(NAMES)


def test_refusals() -> None:
    catalog = load_catalog()
    with pytest.raises(InvalidInput, match="configured directly"):
        build_snippet(
            catalog.product("open-webui"), openai_base=OPENAI_BASE, gt_base=GT_BASE, names=NAMES
        )
    with pytest.raises(InvalidInput, match="no key"):
        build_snippet(
            OTHERS[0], openai_base=OPENAI_BASE, gt_base=GT_BASE, names=NAMES, include_secret=True
        )
    with pytest.raises(InvalidInput, match="allowlisted name"):
        build_snippet(OTHERS[0], openai_base=OPENAI_BASE, gt_base=GT_BASE, names=())


def test_write_modes_and_backup(tmp_path: Path) -> None:
    product = load_catalog().product("crewai")
    path = tmp_path / "crewai.env"
    plain = build_snippet(product, openai_base=OPENAI_BASE, gt_base=GT_BASE, names=NAMES)
    write_snippet(path, plain)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text() == plain.text
    write_snippet(path, with_key(product))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"OPENAI_API_KEY={SECRET}\n" in path.read_text()
    assert (tmp_path / "crewai.env.bak").read_text() == plain.text
    with pytest.raises(InvalidInput, match="does not exist"):
        write_snippet(tmp_path / "no-such-dir" / "x.env", plain)


# --- through `gtwizard setup` against the sandbox ---------------------------------------------


def setup_args(sandbox, preset: str, *extra: str) -> list[str]:
    return [
        "setup",
        "--preset",
        preset,
        "--host",
        sandbox.base_url,
        "--aliases",
        ",".join(NAMES),
        "--mint",
        "--yes",
        "--storage",
        "file",
        *extra,
    ]


def test_setup_prints_the_snippet_after_verifying_the_key(sandbox, isolated_dirs: Path) -> None:
    out = run_cli(
        setup_args(sandbox, "openai-sdk-curl", "--json"),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    stored = open_store("file").get(key_entry("default", result["key"]["id"]))
    assert stored and stored.startswith("gtak_")
    snippet = result["snippet"]
    # the sandbox serves only /v1 paths, so the chosen (working) base is the /v1 form
    assert result["base"]["form"] == "v1" and snippet["base"] == sandbox.base_url + "/v1"
    assert f"OPENAI_BASE_URL={sandbox.base_url}/v1\n" in snippet["text"]
    assert "OPENAI_API_KEY=${GT_API_KEY}\n" in snippet["text"]
    assert snippet["includes_key"] is False and snippet["path"] is None
    assert stored not in out.stdout and stored not in out.stderr


def test_setup_writes_snippet_files_with_the_right_mode(sandbox, isolated_dirs: Path) -> None:
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    plain_path = isolated_dirs / "hermes.yaml"
    out = run_cli(setup_args(sandbox, "hermes", "--snippet", str(plain_path)), env=env)
    assert out.returncode == 0, out.stderr
    assert "base:" in out.stdout and str(plain_path) in out.stdout
    assert stat.S_IMODE(plain_path.stat().st_mode) == 0o644
    hermes = plain_path.read_text()
    assert f'  base_url: "{sandbox.base_url}"\n' in hermes  # Hermes adds /v1 itself
    assert '  api_key: "${GT_API_KEY}"\n' in hermes

    secret_path = isolated_dirs / "crewai.env"
    out = run_cli(
        setup_args(
            sandbox,
            "crewai",
            "--profile",
            "crew",
            "--snippet",
            str(secret_path),
            "--snippet-with-key",
            "--json",
        ),
        env=env,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    stored = open_store("file").get(key_entry("crew", result["key"]["id"]))
    assert stored
    assert stat.S_IMODE(secret_path.stat().st_mode) == 0o600
    assert f"OPENAI_API_KEY={stored}\n" in secret_path.read_text()
    assert result["snippet"]["includes_key"] is True and "text" not in result["snippet"]
    assert stored not in out.stdout and stored not in out.stderr
    # the key lives in the store and the snippet it was asked into, nowhere else
    holders = set(files_containing(isolated_dirs, stored))
    assert holders == {secret_path, Path(result["storage"]["location"])}


@pytest.mark.parametrize(
    ("preset", "extra", "fragment"),
    [
        ("open-webui", ["--snippet", "x.txt"], "not through a snippet"),
        ("crewai", ["--snippet-with-key"], "needs --snippet FILE"),
    ],
)
def test_setup_snippet_usage_errors(sandbox, preset: str, extra: list[str], fragment: str) -> None:
    out = run_cli(
        setup_args(sandbox, preset, *extra),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )
    assert out.returncode == 2
    assert fragment in out.stderr and out.stderr.count("\n") == 1
