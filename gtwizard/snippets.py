"""Configuration snippets for the products gtwizard cannot configure itself (all but Open WebUI).

The snippet is built from the preset's `config_fields`, so it says exactly what the runbook says,
with three substitutions: the runbook's base placeholder becomes the base that works (the chosen
OpenAI base; the documented base for products that append /v1 themselves), the key placeholder
becomes a *reference* to an environment variable (the secret goes in only when asked), and the
alias placeholder becomes the first allowlisted name. Products whose runbook names a file format
(YAML for Continue, LiteLLM and Hermes) get that format; products configured through environment
variables get env lines; the rest get "setting = value" lines to copy into their settings screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gtwizard.errors import InvalidInput
from gtwizard.presets.catalog import Product

KEY_ENV = "GT_API_KEY"
KEY_PLACEHOLDER = "gtak_..."
HOST_PLACEHOLDER = "<tenant-host>"
ALIAS_PLACEHOLDER = re.compile(r"published-(?:agent|coding)-alias")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Products that add /v1/... to the base on their own (Hermes, per its runbook): they take the
# documented base, never the chosen `.../v1` form, or they would call `/v1/v1/...`.
APPENDS_V1 = frozenset({"hermes"})
YAML_PRODUCTS = frozenset({"continue", "litellm", "hermes"})
ENV = "env"
YAML = "yaml"
SETTINGS = "settings"


@dataclass(frozen=True)
class Snippet:
    """A generated configuration snippet; `text` holds the secret only if `includes_secret`."""

    product: str
    format: str
    base: str
    key_reference: str
    includes_secret: bool
    text: str = field(repr=False)

    @property
    def file_mode(self) -> int:
        """0600 when the key is in it (it is then a secret file), 0644 otherwise."""
        return 0o600 if self.includes_secret else 0o644


def base_for(product: Product, openai_base: str, gt_base: str) -> str:
    """The base this product must be given: see APPENDS_V1. Never a trailing slash."""
    chosen = gt_base if product.slug in APPENDS_V1 else openai_base
    return chosen.rstrip("/")


def snippet_format(product: Product) -> str:
    if product.slug in YAML_PRODUCTS:
        return YAML
    if any(_env_names(f.field) for f in product.config_fields):
        return ENV
    return SETTINGS


def _env_names(field_name: str) -> list[str]:
    """`OPENAI_API_BASE / OPENAI_BASE_URL` -> both names; `GT_API_KEY (server env)` -> GT_API_KEY."""
    names = []
    for part in field_name.split("/"):
        token = re.sub(r"\s*\(.*\)\s*$", "", part).strip()
        if ENV_NAME.match(token) and "_" in token:
            names.append(token)
    return names


def _key_reference(product: Product) -> str:
    """How the product's own config reads a variable (LiteLLM and Continue have their own syntax)."""
    if product.slug == "litellm":
        return f"os.environ/{KEY_ENV}"
    if product.slug == "continue":
        return "${{ secrets." + KEY_ENV + " }}"
    if any(KEY_ENV in _env_names(item.field) for item in product.config_fields):
        return KEY_ENV  # the product reads GT_API_KEY itself: the variable is the reference
    return "${" + KEY_ENV + "}"


def _substitute(value: str, base: str, key: str, model: str) -> str:
    if HOST_PLACEHOLDER in value:
        return base
    if KEY_PLACEHOLDER in value:
        return value.replace(KEY_PLACEHOLDER, key)
    return ALIAS_PLACEHOLDER.sub(model, value)


def build_snippet(
    product: Product,
    *,
    openai_base: str,
    gt_base: str,
    names: Sequence[str],
    base_reason: str = "",
    secret: str | None = None,
    include_secret: bool = False,
) -> Snippet:
    """The snippet for `product`; `secret` is used only when `include_secret` is true."""
    if product.slug == "open-webui":
        raise InvalidInput(
            "Open WebUI is configured directly, not through a snippet",
            "use --env-file PATH or --openwebui-url URL",
        )
    if include_secret and not secret:
        raise InvalidInput("the snippet should include the key, but there is no key in this run")
    if not names:
        raise InvalidInput("a snippet needs at least one allowlisted name", "pass --aliases a,b")
    fmt = snippet_format(product)
    base = base_for(product, openai_base, gt_base)
    reference = _key_reference(product)
    key = secret if include_secret and secret else reference
    model = names[0]
    render = {ENV: _render_env, YAML: _render_yaml, SETTINGS: _render_settings}[fmt]
    body = render(product, base, key, model, names)
    text = _header(product, base, base_reason, include_secret, names) + body
    return Snippet(product.slug, fmt, base, reference, include_secret and bool(secret), text)


def _header(
    product: Product, base: str, reason: str, include_secret: bool, names: Sequence[str]
) -> str:
    lines = [
        f"# {product.name}: GT API settings generated by gtwizard from the product's runbook.",
        f"# Base URL: {base}",
    ]
    if product.slug in APPENDS_V1:
        lines.append(f"#   ({product.name} adds /v1 itself, so it gets the documented base.)")
    elif reason:
        lines.append("#   Why: " + " ".join(reason.split()))
    lines.append(f"# Names this key may use: {', '.join(names)}")
    if include_secret:
        lines.append(
            "# This file contains the GT key: keep it private (mode 0600), never commit it."
        )
    else:
        lines.append(
            f"# The key is referenced, not included: set {KEY_ENV} in {product.name}'s "
            "environment or secret store to the gtak_ key."
        )
    return "\n".join(lines) + "\n\n"


def _render_env(product: Product, base: str, key: str, model: str, names: Sequence[str]) -> str:
    out: list[str] = []
    for item in product.config_fields:
        value = _substitute(item.value, base, key, model)
        env_names = _env_names(item.field)
        for name in env_names:
            if name == KEY_ENV and value == KEY_ENV:
                out.append(f"# {name}=<the gtak_ key: set it where {product.name} runs>")
            else:
                out.append(f"{name}={value}")
        if env_names:
            continue
        out.append(f"# {item.field}: {value}")
    if not _names_a_model(product):
        out.append(f"# model: {model}")
    return "\n".join(out) + "\n"


def _names_a_model(product: Product) -> bool:
    """Whether a runbook field carries the model; if none does, the snippet adds a model line."""
    return any(ALIAS_PLACEHOLDER.search(item.value) for item in product.config_fields)


def _render_settings(
    product: Product, base: str, key: str, model: str, names: Sequence[str]
) -> str:
    out = [f"# Enter these in {product.name}:"]
    out.extend(
        f"{item.field} = {_substitute(item.value, base, key, model)}"
        for item in product.config_fields
    )
    if not _names_a_model(product):
        out.append(f"model = {model}")
    return "\n".join(out) + "\n"


def _render_yaml(product: Product, base: str, key: str, model: str, names: Sequence[str]) -> str:
    quoted_key = _yaml_str(key)
    if product.slug == "continue":
        lines = ["models:"]
        for name in names:
            lines += [
                f"  - name: {_yaml_str(name)}",
                "    provider: openai",
                f"    model: {_yaml_str(name)}",
                f"    apiBase: {_yaml_str(base)}",
                f"    apiKey: {quoted_key}",
            ]
    elif product.slug == "litellm":
        lines = ["model_list:"]
        for name in names:
            lines += [
                f"  - model_name: {_yaml_str(name)}",
                "    litellm_params:",
                f"      model: {_yaml_str('openai/' + name)}",
                f"      api_base: {_yaml_str(base)}",
                f"      api_key: {quoted_key}",
            ]
    else:  # hermes
        lines = [
            "model:",
            "  provider: custom",
            f"  base_url: {_yaml_str(base)}",
            f"  api_key: {quoted_key}",
            f"  default: {_yaml_str(model)}",
            "custom_providers:",
            "  - api_mode: chat_completions",
        ]
    return "\n".join(lines) + "\n"


def _yaml_str(value: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(value)


def check_snippet_path(path: Path) -> Path:
    """Where `--snippet` will write, checked before any key exists: an existing folder to write
    in, and not a folder itself."""
    path = Path(path).expanduser()
    if not path.parent.is_dir():
        raise InvalidInput(
            f"the folder for {path} does not exist", "create it first, or pick another path"
        )
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder", "give a file name for the snippet")
    return path


def write_snippet(path: Path, snippet: Snippet) -> Path:
    """Write atomically with the snippet's mode; an existing file is kept as a backup."""
    from gtwizard.fileio import atomic_write

    path = check_snippet_path(path)
    atomic_write(path, snippet.text.encode("utf-8"), mode=snippet.file_mode)
    return path
