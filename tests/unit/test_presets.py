"""The preset catalog: packaged data, strict validation of broken files, user overrides, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from gtwizard.errors import ConfigError, InvalidInput
from gtwizard.presets.catalog import (
    CATEGORIES,
    COMPATIBILITY,
    PURPOSES,
    ROUTE_KEYS,
    SCOPES,
    VERDICTS,
    load_catalog,
)

UPLOAD_ROUTES = (
    "POST /v1/conversations/files",
    "POST /v1/datasets/{id}/files",
    "GET /v1/files/{id}",
)


def packaged(name: str) -> str:
    return (resources.files("gtwizard.presets") / name).read_text(encoding="utf-8")


def user_dir() -> Path:
    """The user presets folder under the per-test GTWIZARD_CONFIG_DIR."""
    path = Path(os.environ["GTWIZARD_CONFIG_DIR"]) / "presets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def replace_once(text: str, old: str, new: str) -> str:
    """Edit a preset's text; fail loudly if the edit would silently not apply."""
    assert text.count(old) == 1, f"expected exactly one {old!r}"
    return text.replace(old, new)


def toml_string(value: str) -> str:
    """A TOML basic string for any text (control characters escaped as TOML requires)."""
    body = "".join(
        f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F or ch in '"\\' else ch
        for ch in value
    )
    return f'"{body}"'


def run_cli(*args: str, encoding: str = "utf-8") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    return subprocess.run(
        [sys.executable, "-m", "gtwizard", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )


# --- the packaged catalog ------------------------------------------------------------------------


def test_all_23_products_and_7_key_presets_load() -> None:
    catalog = load_catalog()
    assert len(catalog.products) == 23
    assert len({p.slug for p in catalog.products}) == 23
    assert len(catalog.key_presets) == 7
    for product in catalog.products:
        assert tuple(r.key for r in product.routes) == ROUTE_KEYS
        assert {r.verdict for r in product.routes} <= set(VERDICTS)
        assert product.compatibility in COMPATIBILITY
        assert catalog.key_preset(product.recommended_key_preset)
        assert product.validation_checklist
        assert product.setup_steps
        assert product.source == "packaged"
    for preset in catalog.key_presets:
        assert preset.purpose in PURPOSES
        assert set(preset.scopes) <= set(SCOPES)


def test_key_preset_product_lists_agree_with_the_products() -> None:
    """Each packaged product appears under exactly the key preset it recommends."""
    catalog = load_catalog()
    for preset in catalog.key_presets:
        expected = {p.slug for p in catalog.products if p.recommended_key_preset == preset.slug}
        assert set(preset.products) == expected, preset.slug


def test_products_are_ordered_by_category_then_name() -> None:
    catalog = load_catalog()
    groups = catalog.by_category()
    assert list(groups) == list(CATEGORIES)
    for products in groups.values():
        names = [p.name.casefold() for p in products]
        assert names == sorted(names)
    flattened = [p for products in groups.values() for p in products]
    assert flattened == list(catalog.products)


def test_open_webui_routes_and_checklist() -> None:
    product = load_catalog().product("open-webui")
    assert len(product.routes) == 9
    assert [c.id for c in product.validation_checklist] == [
        "chat",
        "no-leak",
        "rotation-documented",
    ]
    assert product.route("GET /v1/models").verdict == "native"
    assert product.route("POST /v1/chat/completions").verdict == "native"
    for key in UPLOAD_ROUTES:
        assert product.route(key).verdict == "not_supported", key
    assert product.recommended_key_preset == "chat-client"
    assert product.compatibility == "guided"


def test_spot_facts_from_the_runbooks() -> None:
    """A few facts checked by hand against the GT runbooks."""
    catalog = load_catalog()
    sdk = catalog.product("openai-sdk-curl")
    assert [r.verdict for r in sdk.routes] == ["native"] * 6 + ["gt_extension"] * 3
    assert "end to end" in sdk.evidence and "not verified" not in sdk.evidence
    for slug in ("continue", "cursor", "cline-roo", "aider", "manus", "librechat", "anythingllm"):
        product = catalog.product(slug)
        assert all(product.route(k).verdict == "not_supported" for k in UPLOAD_ROUTES), slug
    assert catalog.product("litellm").recommended_key_preset == "chat-embeddings"
    assert catalog.product("litellm").doc_conflict
    assert catalog.product("langflow").recommended_key_preset == "conversation-app"
    assert catalog.product("n8n").recommended_key_preset == "dataset-upload"
    assert catalog.key_preset("chat-client").scopes == ("inference:chat",)
    assert catalog.key_preset("conversation-app").scopes == ()
    assert catalog.key_preset("conversation-app").purpose == "conversation"
    assert catalog.key_preset("dataset-upload").scopes == ("datasets:write",)
    assert catalog.key_preset("chat-embeddings").matrix_name


def test_unknown_slug_suggests_the_closest() -> None:
    catalog = load_catalog()
    with pytest.raises(InvalidInput) as info:
        catalog.product("open-webu")
    assert "open-webu" in info.value.message
    assert "open-webui" in info.value.hint
    with pytest.raises(InvalidInput):
        catalog.key_preset("chat")


def test_to_dict_is_json_ready_and_complete() -> None:
    product = load_catalog().product("open-webui")
    data = json.loads(json.dumps(product.to_dict()))
    assert list(data["routes"]) == list(ROUTE_KEYS)
    assert data["routes"]["POST /v1/datasets/{id}/files"]["verdict"] == "not_supported"
    assert data["validation_checklist"][1] == {
        "id": "no-leak",
        "text": product.validation_checklist[1].text,
    }


# --- broken files ---------------------------------------------------------------------------------

OWUI = "open-webui.toml"
BROKEN_PRODUCT_CASES = [
    # (description, edit of open-webui.toml, fragments the error message must contain);
    # an edit is (old, new) text or a function changing the parsed data in place.
    ("missing field", ("evidence = ", "# evidence = "), ["evidence is missing"]),
    (
        "unknown field",
        ('slug = "open-webui"', 'slug = "open-webui"\ncolour = "blue"'),
        ["colour is not a known field"],
    ),
    ("wrong type", ('name = "Open WebUI"', "name = 3"), ["name must be a string, not an integer"]),
    (
        "list wanted",
        lambda data: data.update(prerequisites="publish the aliases"),
        ["prerequisites must be a list of strings, not a string"],
    ),
    (
        "unknown verdict",
        (
            '[routes."POST /v1/embeddings"]\nverdict = "native"',
            '[routes."POST /v1/embeddings"]\nverdict = "maybe"',
        ),
        [
            "Preset file open-webui.toml: "
            "routes.\"POST /v1/embeddings\".verdict 'maybe' is not one of "
            "native, not_supported, gt_extension"
        ],
    ),
    (
        "unknown key preset",
        ('recommended_key_preset = "chat-client"', 'recommended_key_preset = "turbo"'),
        ["recommended_key_preset 'turbo' is not a key preset"],
    ),
    (
        "route outside the nine",
        (
            '[[validation_checklist]]\nid = "chat"',
            '[routes."DELETE /v1/models"]\nverdict = '
            '"native"\nintegration = "x"\n\n[[validation_checklist]]\nid = "chat"',
        ),
        ['routes."DELETE /v1/models" is not a known field'],
    ),
    (
        "route missing",
        lambda data: data["routes"].pop("GET /v1/files/{id}"),
        ['routes."GET /v1/files/{id}" is missing'],
    ),
    (
        "unknown compatibility",
        ('compatibility = "guided"', 'compatibility = "magic"'),
        ["compatibility 'magic' is not one of native, gt-extensions, guided"],
    ),
    (
        "duplicate checklist id",
        ('id = "no-leak"', 'id = "chat"'),
        ["validation_checklist[1].id 'chat' is used twice"],
    ),
    (
        "checklist item without id",
        ('id = "no-leak"\n', ""),
        ["validation_checklist[1].id is missing"],
    ),
    (
        "insecure docs link",
        ("https://docs.openwebui.com/getting-started/quick-start/", "http://example.org/"),
        ["official_docs[1]", "is not an https:// address"],
    ),
]


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [case[1:] for case in BROKEN_PRODUCT_CASES],
    ids=[case[0] for case in BROKEN_PRODUCT_CASES],
)
def test_broken_product_file_names_file_and_field(
    edit: tuple[str, str] | Callable[[dict[str, Any]], object], fragments: list[str]
) -> None:
    path = user_dir() / OWUI
    if callable(edit):
        data = tomllib.loads(packaged(OWUI))
        edit(data)
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    else:
        path.write_text(replace_once(packaged(OWUI), *edit), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalog()
    message = info.value.message
    assert message.startswith("Preset file open-webui.toml: ")
    for fragment in fragments:
        assert fragment in message
    assert str(path) in info.value.hint
    assert info.value.exit_code == 2


def test_slug_must_match_the_file_name() -> None:
    (user_dir() / "my-webui.toml").write_text(packaged(OWUI), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalog()
    assert info.value.message == (
        "Preset file my-webui.toml: slug 'open-webui' does not match the file name "
        "(expected 'my-webui')"
    )


def test_toml_syntax_error_names_file_and_line() -> None:
    text = packaged(OWUI)
    line = text.count("\n") + 1
    (user_dir() / OWUI).write_text(text + 'broken = "no closing quote\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalog()
    assert info.value.message.startswith(
        f"Preset file open-webui.toml: TOML syntax error at line {line}:"
    )


def test_unknown_scope_in_key_presets_names_file_and_field() -> None:
    text = replace_once(packaged("key-presets.toml"), '"inference:image"', '"inference:everything"')
    (user_dir() / "key-presets.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalog()
    message = info.value.message
    assert message.startswith("Preset file key-presets.toml: key_preset[4].scopes[0] ")
    assert "'inference:everything' is not one of inference:chat" in message


def test_key_preset_naming_an_unknown_product_is_rejected() -> None:
    text = replace_once(packaged("key-presets.toml"), '"n8n",', '"n9n",')
    (user_dir() / "key-presets.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalog()
    assert "key-presets.toml" in info.value.message
    assert "'n9n' is not a product preset" in info.value.message


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20))
def test_any_verdict_loads_only_if_known(verdict: str) -> None:
    """Whatever the verdict text, it either is a known verdict or the error names file and field."""
    text = replace_once(
        packaged(OWUI),
        '[routes."GET /v1/models"]\nverdict = "native"',
        '[routes."GET /v1/models"]\nverdict = ' + toml_string(verdict),
    )
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / OWUI).write_text(text, encoding="utf-8")
        if verdict in VERDICTS:
            product = load_catalog(Path(tmp)).product("open-webui")
            assert product.route("GET /v1/models").verdict == verdict
        else:
            with pytest.raises(ConfigError) as info:
                load_catalog(Path(tmp))
            assert info.value.message.startswith(
                'Preset file open-webui.toml: routes."GET /v1/models".verdict '
            )


# --- user presets: override and addition ----------------------------------------------------------


def test_user_file_overrides_a_packaged_product() -> None:
    path = user_dir() / OWUI
    path.write_text(
        replace_once(packaged(OWUI), 'name = "Open WebUI"', 'name = "Our WebUI"'), encoding="utf-8"
    )
    catalog = load_catalog()
    assert len(catalog.products) == 23
    product = catalog.product("open-webui")
    assert product.name == "Our WebUI"
    assert product.source == str(path)


def test_user_file_adds_a_product_and_a_key_preset() -> None:
    folder = user_dir()
    text = packaged("generic-openai-http.toml")
    text = replace_once(text, 'slug = "generic-openai-http"', 'slug = "in-house-bot"')
    text = replace_once(text, 'category = "SDK and HTTP"', 'category = "In-house"')
    text = replace_once(
        text, 'recommended_key_preset = "chat-client"', 'recommended_key_preset = "bot-key"'
    )
    (folder / "in-house-bot.toml").write_text(text, encoding="utf-8")
    key_presets = packaged("key-presets.toml") + (
        '\n[[key_preset]]\nslug = "bot-key"\nname = "Bot key"\npurpose = "inference"\n'
        'scopes = ["inference:chat", "inference:embed"]\nproducts = ["in-house-bot"]\n'
        'notes = "For the in-house bot."\n'
    )
    (folder / "key-presets.toml").write_text(key_presets, encoding="utf-8")

    catalog = load_catalog()
    assert len(catalog.products) == 24
    assert catalog.products[-1].slug == "in-house-bot"  # unknown categories sort last
    assert list(catalog.by_category())[-1] == "In-house"
    assert catalog.key_preset("bot-key").scopes == ("inference:chat", "inference:embed")
    assert len(catalog.key_presets) == 8


def test_explicit_user_dir_and_missing_dir() -> None:
    assert len(load_catalog(Path(tempfile.gettempdir()) / "gtwizard-no-such-dir").products) == 23


# --- loading: per process, never from a file of derived data ------------------------------------


def test_a_second_load_of_the_same_files_does_not_parse_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gtwizard.presets import catalog as module

    first = load_catalog()

    def no_parse(*_: object) -> None:
        raise AssertionError("parsed although the files did not change")

    monkeypatch.setattr(module, "_validated", no_parse)
    assert load_catalog() is first


def test_the_packaged_module_is_what_the_toml_files_say() -> None:
    """gtwizard loads the packaged presets from packaged.py (bytecode Python caches); the TOML
    files beside it are the source. Edit a file without running scripts/compile-presets and this
    fails."""
    from gtwizard.presets.packaged import FILES

    folder = resources.files("gtwizard.presets")
    toml = {
        entry.name: tomllib.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }
    assert sorted(FILES) == sorted(toml), "run scripts/compile-presets"
    for name, document in toml.items():
        assert FILES[name] == document, f"{name} changed: run scripts/compile-presets"
    script = Path(__file__).parents[2] / "scripts" / "compile-presets"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_damaged_packaged_preset_says_reinstall(monkeypatch: pytest.MonkeyPatch) -> None:
    from gtwizard.presets import catalog as module
    from gtwizard.presets import packaged

    broken = dict(packaged.FILES)
    broken[OWUI] = {**broken[OWUI], "compatibility": "sometimes"}
    monkeypatch.setattr(packaged, "FILES", broken)
    monkeypatch.setattr(module, "_last_catalog", None)
    with pytest.raises(ConfigError) as raised:
        load_catalog()
    assert "open-webui.toml" in raised.value.message
    assert "reinstall gtwizard" in raised.value.hint


def test_missing_packaged_presets_say_reinstall(monkeypatch: pytest.MonkeyPatch) -> None:
    from gtwizard.presets import catalog as module

    monkeypatch.setitem(sys.modules, "gtwizard.presets.packaged", None)  # import fails
    monkeypatch.setattr(module, "_last_catalog", None)
    with pytest.raises(ConfigError) as raised:
        load_catalog()
    assert "packaged presets" in raised.value.message
    assert raised.value.hint == "reinstall gtwizard"


def test_a_cache_file_left_by_an_older_gtwizard_is_ignored() -> None:
    """Earlier versions kept the catalog in the cache dir: whatever is there now is never read."""
    cache = Path(os.environ["GTWIZARD_CACHE_DIR"])
    cache.mkdir(parents=True, exist_ok=True)
    leftover = cache / "presets.marshal"
    leftover.write_bytes(b"gtwizard presets cache\n\x00\x00\x00\x00not marshal at all")
    from gtwizard.presets import catalog as module

    module._last_catalog = None
    assert len(load_catalog().products) == 23
    assert leftover.read_bytes().endswith(b"not marshal at all")  # neither read nor rewritten


def test_an_edited_preset_file_is_seen_even_with_the_same_size_and_time() -> None:
    path = user_dir() / OWUI
    path.write_text(
        replace_once(packaged(OWUI), 'name = "Open WebUI"', 'name = "Our WebUI"'), encoding="utf-8"
    )
    assert load_catalog().product("open-webui").name == "Our WebUI"
    stamp = path.stat()
    path.write_text(
        replace_once(packaged(OWUI), 'name = "Open WebUI"', 'name = "Her WebUI"'), encoding="utf-8"
    )
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same size, same mtime
    assert path.stat().st_size == stamp.st_size
    assert load_catalog().product("open-webui").name == "Her WebUI"
    path.unlink()  # removed: the packaged product again
    assert load_catalog().product("open-webui").name == "Open WebUI"


def test_a_broken_edit_is_reported_although_a_good_catalog_was_loaded() -> None:
    load_catalog()
    path = user_dir() / OWUI
    path.write_text(replace_once(packaged(OWUI), 'name = "Open WebUI"', "name = 7"))
    with pytest.raises(ConfigError, match=r"open-webui\.toml"):
        load_catalog()


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_presets_json_lists_23_products() -> None:
    result = run_cli("presets", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["ok"] is True
    data = answer["presets"]
    assert len(data) == 23
    assert all(list(item["routes"]) == list(ROUTE_KEYS) for item in data)
    owui = next(item for item in data if item["slug"] == "open-webui")
    assert [c["id"] for c in owui["validation_checklist"]] == [
        "chat",
        "no-leak",
        "rotation-documented",
    ]


def test_cli_presets_table() -> None:
    result = run_cli("presets")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SLUG", "NAME", "CATEGORY", "COMPATIBILITY", "KEY", "PRESET"]
    owui = next(line for line in lines if line.startswith("open-webui "))
    assert "Guided OpenAI-compatible setup" in owui and owui.endswith("chat-client")


def test_cli_show_open_webui_prints_the_nine_routes() -> None:
    result = run_cli("presets", "show", "open-webui")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    route_lines = [line for line in out.splitlines() if line.split(" ", 1)[0] in ("GET", "POST")]
    assert [line.split("  ")[0] for line in route_lines] == list(ROUTE_KEYS)
    verdicts = {line.split("  ")[0]: line for line in route_lines}
    assert "✓ native" in verdicts["POST /v1/chat/completions"]
    assert "✗ not supported" in verdicts["POST /v1/datasets/{id}/files"]
    assert "[no-leak]" in out
    assert "inference:chat" in out


def test_cli_show_uses_ascii_symbols_when_the_terminal_cannot_encode() -> None:
    result = run_cli("presets", "show", "openai-sdk-curl", encoding="ascii:replace")
    assert result.returncode == 0, result.stderr
    assert "ok native" in result.stdout
    assert "+ GT extension" in result.stdout


def test_cli_show_json_includes_the_key_preset() -> None:
    result = run_cli("presets", "show", "vercel-ai-sdk", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["slug"] == "vercel-ai-sdk"
    assert data["key_preset"]["slug"] == data["recommended_key_preset"] == "conversation-app"
    assert data["key_preset"]["purpose"] == "conversation"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("presets", "show", "open-webu"), "unknown product preset 'open-webu'"),
        (("presets", "show"), "needs a product slug"),
        (("presets", "open-webui"), "invalid choice"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args: tuple[str, ...], fragment: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_broken_user_preset_exits_2_naming_the_file() -> None:
    text = replace_once(
        packaged(OWUI),
        '[routes."GET /v1/models"]\nverdict = "native"',
        '[routes."GET /v1/models"]\nverdict = "maybe"',
    )
    (user_dir() / OWUI).write_text(text, encoding="utf-8")
    result = run_cli("presets")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "open-webui.toml" in result.stderr and "verdict 'maybe'" in result.stderr
