"""The preset catalog: GT runbook facts per client product, plus the GT key presets.

The TOML files beside this module are the data (loaded as `packaged.py`, the same documents parsed
by scripts/compile-presets, so start-up parses no TOML); this module reads them and the operator's
own preset folder, validates both strictly and returns frozen objects. Strictness matters because a
typo in a verdict or scope would otherwise surface much later as a wrong check or a key with the
wrong rights, so every problem is reported up front, naming the file and the field. It runs at TUI
start, so it imports nothing beyond light standard-library modules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gtwizard.errors import ConfigError, InvalidInput
from gtwizard.gt.contract import KNOWN_SCOPES, PURPOSES

# The nine routes every GT runbook table covers, in the runbooks' order.
ROUTE_KEYS: tuple[str, ...] = (
    "GET /v1/models",
    "POST /v1/chat/completions",
    "POST /v1/embeddings",
    "POST /v1/audio/transcriptions",
    "POST /v1/audio/speech",
    "POST /v1/images/generations",
    "POST /v1/conversations/files",
    "POST /v1/datasets/{id}/files",
    "GET /v1/files/{id}",
)
VERDICTS: tuple[str, ...] = ("native", "not_supported", "gt_extension")
# The only scope strings and key purposes the GT documentation names (one list, in the contract).
SCOPES: tuple[str, ...] = KNOWN_SCOPES
# Compatibility mode slug -> the label the GT matrix uses.
COMPATIBILITY: dict[str, str] = {
    "native": "Native OpenAI-compatible",
    "gt-extensions": "OpenAI plus GT extensions",
    "guided": "Guided OpenAI-compatible setup",
}
# Known categories in display order; a user preset may add another (it sorts after these).
CATEGORIES: tuple[str, ...] = (
    "SDK and HTTP",
    "Framework and orchestration",
    "Workflow and builders",
    "Developer tooling",
)
KEY_PRESETS_FILE = "key-presets.toml"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TOML_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True)
class Route:
    """One route row of a runbook: reached natively, through GT extras, or not at all."""

    key: str
    verdict: str
    integration: str

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.key.split(" ", 1)[1]


@dataclass(frozen=True)
class ConfigField:
    """A setting in the product's own configuration and the value GT needs there."""

    field: str
    value: str


@dataclass(frozen=True)
class ChecklistItem:
    """A validation checklist item; `id` is stable so the checks module can attach a live check."""

    id: str
    text: str


@dataclass(frozen=True)
class KeyPreset:
    """A GT key preset: the purpose and scopes a key for a kind of client should carry."""

    slug: str
    name: str
    purpose: str
    scopes: tuple[str, ...]
    products: tuple[str, ...]
    notes: str
    matrix_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "matrix_name": self.matrix_name,
            "purpose": self.purpose,
            "scopes": list(self.scopes),
            "products": list(self.products),
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Product:
    """One product's GT runbook in structured form."""

    slug: str
    name: str
    category: str
    compatibility: str
    recommended_key_preset: str
    evidence: str
    config_fields: tuple[ConfigField, ...]
    documented_base_url: str
    routes: tuple[Route, ...]
    not_supported: tuple[str, ...]
    prerequisites: tuple[str, ...]
    setup_steps: tuple[str, ...]
    caveats: tuple[str, ...]
    validation_checklist: tuple[ChecklistItem, ...]
    official_docs: tuple[str, ...]
    not_supported_note: str = ""
    doc_conflict: str = ""
    source: str = field(default="", compare=False)

    @property
    def compatibility_label(self) -> str:
        return COMPATIBILITY[self.compatibility]

    def route(self, key: str) -> Route:
        """The route row for one of ROUTE_KEYS."""
        for route in self.routes:
            if route.key == key:
                return route
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON-ready data (routes keyed by route, in ROUTE_KEYS order)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "category": self.category,
            "compatibility": self.compatibility,
            "compatibility_label": self.compatibility_label,
            "recommended_key_preset": self.recommended_key_preset,
            "evidence": self.evidence,
            "config_fields": [{"field": c.field, "value": c.value} for c in self.config_fields],
            "documented_base_url": self.documented_base_url,
            "routes": {
                r.key: {"verdict": r.verdict, "integration": r.integration} for r in self.routes
            },
            "not_supported": list(self.not_supported),
            "not_supported_note": self.not_supported_note,
            "prerequisites": list(self.prerequisites),
            "setup_steps": list(self.setup_steps),
            "caveats": list(self.caveats),
            "validation_checklist": [
                {"id": c.id, "text": c.text} for c in self.validation_checklist
            ],
            "official_docs": list(self.official_docs),
            "doc_conflict": self.doc_conflict,
        }


@dataclass(frozen=True)
class Catalog:
    """All products (ordered by category, then name) and all key presets."""

    products: tuple[Product, ...]
    key_presets: tuple[KeyPreset, ...]

    def product(self, slug: str) -> Product:
        """The product with this slug; an unknown slug is likely a typo, so suggest the nearest."""
        for product in self.products:
            if product.slug == slug:
                return product
        raise InvalidInput(
            f"unknown product preset '{slug}'",
            _suggest(slug, [p.slug for p in self.products], "gtwizard presets"),
        )

    def key_preset(self, slug: str) -> KeyPreset:
        """The key preset with this slug (unknown -> InvalidInput with the nearest names)."""
        for preset in self.key_presets:
            if preset.slug == slug:
                return preset
        raise InvalidInput(
            f"unknown key preset '{slug}'",
            _suggest(slug, [k.slug for k in self.key_presets], None),
        )

    def by_category(self) -> dict[str, list[Product]]:
        """Products grouped by category, categories in display order."""
        groups: dict[str, list[Product]] = {}
        for product in self.products:
            groups.setdefault(product.category, []).append(product)
        return groups


def _suggest(slug: str, known: list[str], list_command: str | None) -> str:
    import difflib

    close = difflib.get_close_matches(slug, known, n=3, cutoff=0.5)
    parts = []
    if close:
        parts.append("closest matches: " + ", ".join(close))
    if list_command:
        parts.append(f"run '{list_command}' for the full list")
    else:
        parts.append("known: " + ", ".join(known))
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Validation


class _File:
    """Reports problems in one preset file as ConfigError naming the file and the field."""

    def __init__(self, name: str, location: str) -> None:
        self.name = name
        self.location = location

    def fail(self, where: str, problem: str) -> ConfigError:
        prefix = f"Preset file {self.name}: {where} " if where else f"Preset file {self.name}: "
        return ConfigError(prefix + problem, self.hint())

    def hint(self) -> str:
        if self.location == "packaged":
            return "the copy shipped with gtwizard is damaged; reinstall gtwizard"
        return f"fix or remove {self.location}"

    def parse(self, text: str) -> dict[str, Any]:
        import tomli  # tomllib's parser, compiled (pyproject.toml)

        try:
            return tomli.loads(text)
        except tomli.TOMLDecodeError as exc:
            message = str(exc)
            match = _TOML_LINE.search(message)
            if match:
                what = message[: match.start()].rstrip()
                raise self.fail("", f"TOML syntax error at line {match.group(1)}: {what}") from None
            raise self.fail("", f"TOML syntax error: {message}") from None

    def table(
        self, data: Mapping[str, Any], where: str, required: set[str], optional: set[str]
    ) -> Mapping[str, Any]:
        """Check a table has exactly the allowed keys; return it."""
        for key in sorted(required - data.keys()):
            raise self.fail(_join(where, key), "is missing")
        for key in sorted(data.keys() - required - optional):
            raise self.fail(
                _join(where, key),
                "is not a known field (expected: " + ", ".join(sorted(required | optional)) + ")",
            )
        return data

    def text(self, value: Any, where: str, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"must be a string, not {_type_name(value)}")
        if not allow_empty and not value.strip():
            raise self.fail(where, "must not be empty")
        return value

    def slug(self, value: Any, where: str) -> str:
        text = self.text(value, where)
        if not _SLUG.match(text):
            raise self.fail(where, f"'{text}' is not a slug (lower-case letters, digits, hyphens)")
        return text

    def choice(self, value: Any, where: str, allowed: Iterable[str]) -> str:
        text = self.text(value, where)
        allowed = tuple(allowed)
        if text not in allowed:
            raise self.fail(where, f"'{text}' is not one of " + ", ".join(allowed))
        return text

    def texts(self, value: Any, where: str, allow_empty_list: bool = True) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(where, f"must be a list of strings, not {_type_name(value)}")
        if not value and not allow_empty_list:
            raise self.fail(where, "must not be an empty list")
        return tuple(self.text(item, f"{where}[{i}]") for i, item in enumerate(value))

    def tables(self, value: Any, where: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(where, f"must be a list of tables, not {_type_name(value)}")
        return value


def _join(where: str, key: str) -> str:
    part = key if _SLUG.match(key.replace("_", "-")) else f'"{key}"'
    return f"{where}.{part}" if where else part


def _type_name(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}
    names |= {list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


_PRODUCT_REQUIRED = {
    "slug",
    "name",
    "category",
    "compatibility",
    "recommended_key_preset",
    "evidence",
    "config_fields",
    "documented_base_url",
    "routes",
    "not_supported",
    "prerequisites",
    "setup_steps",
    "caveats",
    "validation_checklist",
    "official_docs",
}
_PRODUCT_OPTIONAL = {"not_supported_note", "doc_conflict"}


def _parse_product(data: Mapping[str, Any], f: _File, stem: str) -> Product:
    f.table(data, "", _PRODUCT_REQUIRED, _PRODUCT_OPTIONAL)
    slug = f.slug(data["slug"], "slug")
    if slug != stem:
        raise f.fail("slug", f"'{slug}' does not match the file name (expected '{stem}')")

    fields = []
    for i, item in enumerate(f.tables(data["config_fields"], "config_fields")):
        where = f"config_fields[{i}]"
        f.table(item, where, {"field", "value"}, set())
        fields.append(
            ConfigField(
                f.text(item["field"], f"{where}.field"), f.text(item["value"], f"{where}.value")
            )
        )

    routes_data = data["routes"]
    if not isinstance(routes_data, dict):
        raise f.fail("routes", f"must be a table of routes, not {_type_name(routes_data)}")
    f.table(routes_data, "routes", set(ROUTE_KEYS), set())
    routes = []
    for key in ROUTE_KEYS:
        where = _join("routes", key)
        row = routes_data[key]
        if not isinstance(row, dict):
            raise f.fail(where, f"must be a table, not {_type_name(row)}")
        f.table(row, where, {"verdict", "integration"}, set())
        routes.append(
            Route(
                key,
                f.choice(row["verdict"], f"{where}.verdict", VERDICTS),
                f.text(row["integration"], f"{where}.integration"),
            )
        )

    checklist = []
    seen: set[str] = set()
    items = f.tables(data["validation_checklist"], "validation_checklist")
    if not items:
        raise f.fail("validation_checklist", "must not be an empty list")
    for i, item in enumerate(items):
        where = f"validation_checklist[{i}]"
        f.table(item, where, {"id", "text"}, set())
        item_id = f.slug(item["id"], f"{where}.id")
        if item_id in seen:
            raise f.fail(f"{where}.id", f"'{item_id}' is used twice")
        seen.add(item_id)
        checklist.append(ChecklistItem(item_id, f.text(item["text"], f"{where}.text")))

    docs = f.texts(data["official_docs"], "official_docs", allow_empty_list=False)
    for i, url in enumerate(docs):
        if not url.startswith("https://"):
            raise f.fail(f"official_docs[{i}]", f"'{url}' is not an https:// address")

    return Product(
        slug=slug,
        name=f.text(data["name"], "name"),
        category=f.text(data["category"], "category"),
        compatibility=f.choice(data["compatibility"], "compatibility", COMPATIBILITY),
        recommended_key_preset=f.slug(data["recommended_key_preset"], "recommended_key_preset"),
        evidence=f.text(data["evidence"], "evidence"),
        config_fields=tuple(fields),
        documented_base_url=f.text(data["documented_base_url"], "documented_base_url"),
        routes=tuple(routes),
        not_supported=f.texts(data["not_supported"], "not_supported"),
        not_supported_note=f.text(data.get("not_supported_note", ""), "not_supported_note", True),
        prerequisites=f.texts(data["prerequisites"], "prerequisites"),
        setup_steps=f.texts(data["setup_steps"], "setup_steps", allow_empty_list=False),
        caveats=f.texts(data["caveats"], "caveats"),
        validation_checklist=tuple(checklist),
        official_docs=docs,
        doc_conflict=f.text(data.get("doc_conflict", ""), "doc_conflict", True),
        source=f.location,
    )


def _parse_key_presets(data: Mapping[str, Any], f: _File) -> list[KeyPreset]:
    f.table(data, "", {"key_preset"}, set())
    presets = []
    seen: set[str] = set()
    for i, item in enumerate(f.tables(data["key_preset"], "key_preset")):
        where = f"key_preset[{i}]"
        f.table(
            item, where, {"slug", "name", "purpose", "scopes", "products", "notes"}, {"matrix_name"}
        )
        slug = f.slug(item["slug"], f"{where}.slug")
        if slug in seen:
            raise f.fail(f"{where}.slug", f"'{slug}' is used twice")
        seen.add(slug)
        scopes = f.texts(item["scopes"], f"{where}.scopes")
        for j, scope in enumerate(scopes):
            f.choice(scope, f"{where}.scopes[{j}]", SCOPES)
        products = f.texts(item["products"], f"{where}.products")
        for j, product in enumerate(products):
            f.slug(product, f"{where}.products[{j}]")
        matrix_name = item.get("matrix_name")
        presets.append(
            KeyPreset(
                slug=slug,
                name=f.text(item["name"], f"{where}.name"),
                purpose=f.choice(item["purpose"], f"{where}.purpose", PURPOSES),
                scopes=scopes,
                products=products,
                notes=f.text(item["notes"], f"{where}.notes"),
                matrix_name=None
                if matrix_name is None
                else f.text(matrix_name, f"{where}.matrix_name"),
            )
        )
    return presets


# ---------------------------------------------------------------------------------------------
# Loading


def _user_files(user_dir: Path) -> list[tuple[str, str, str]]:
    if not user_dir.is_dir():
        return []
    files = []
    for path in sorted(user_dir.glob("*.toml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"Preset file {path.name}: cannot be read ({exc.__class__.__name__})",
                f"fix or remove {path}",
            ) from None
        files.append((path.name, text, str(path)))
    return files


def load_catalog(user_dir: Path | None = None) -> Catalog:
    """Load the packaged presets, then the operator's folder (same slug overrides, new slug adds).

    `user_dir` defaults to `<config dir>/presets`. A user `key-presets.toml` overrides or adds key
    presets by slug the same way. Any problem raises ConfigError naming the file and the field.
    The packaged files come parsed from `packaged.py` (see scripts/compile-presets), the
    operator's folder is read and parsed every time; what they validate to is kept, in this
    process only, for the same files (a catalog is immutable, so callers share it).
    """
    if user_dir is None:
        from gtwizard.paths import config_dir

        user_dir = config_dir() / "presets"

    user = tuple(_user_files(user_dir))
    global _last_catalog
    if _last_catalog is None or _last_catalog[0] != user:
        _last_catalog = (user, _validated(user))
    return _last_catalog[1]


_last_catalog: tuple[tuple[tuple[str, str, str], ...], Catalog] | None = None


def _documents(
    user: Iterable[tuple[str, str, str]],
) -> Iterator[tuple[str, Mapping[str, Any], _File]]:
    """Each preset document with its file: the packaged ones (parsed when gtwizard was built),
    then the operator's (parsed now, a syntax error naming the file and line)."""
    try:
        from gtwizard.presets.packaged import FILES
    except ImportError:  # a damaged install: say so in one line, as for a damaged file
        raise ConfigError(
            "The packaged presets (packaged.py) are missing", "reinstall gtwizard"
        ) from None

    for name, data in FILES.items():
        yield name, data, _File(name, "packaged")
    for name, text, location in user:
        f = _File(name, location)
        yield name, f.parse(text), f


def _validated(user: Iterable[tuple[str, str, str]]) -> Catalog:
    products: dict[str, Product] = {}
    key_presets: dict[str, KeyPreset] = {}
    files: dict[str, _File] = {}
    for name, data, f in _documents(user):
        if name == KEY_PRESETS_FILE:
            for preset in _parse_key_presets(data, f):
                key_presets[preset.slug] = preset
                files[f"key:{preset.slug}"] = f
        else:
            product = _parse_product(data, f, name.removesuffix(".toml"))
            products[product.slug] = product
            files[product.slug] = f

    if not key_presets:
        raise ConfigError(f"Preset file {KEY_PRESETS_FILE} is missing", "reinstall gtwizard")
    _check_references(products, key_presets, files)
    ordered = sorted(products.values(), key=_sort_key)
    return Catalog(products=tuple(ordered), key_presets=tuple(key_presets.values()))


def _check_references(
    products: dict[str, Product], key_presets: dict[str, KeyPreset], files: dict[str, _File]
) -> None:
    """Cross-file references: a product's key preset and a key preset's products must exist."""
    for product in products.values():
        if product.recommended_key_preset not in key_presets:
            raise files[product.slug].fail(
                "recommended_key_preset",
                f"'{product.recommended_key_preset}' is not a key preset (known: "
                + ", ".join(key_presets)
                + ")",
            )
    for preset in key_presets.values():
        for slug in preset.products:
            if slug not in products:
                raise files[f"key:{preset.slug}"].fail(
                    f"key preset '{preset.slug}' products", f"'{slug}' is not a product preset"
                )


def _sort_key(product: Product) -> tuple[int, str, str]:
    try:
        rank = CATEGORIES.index(product.category)
    except ValueError:
        rank = len(CATEGORIES)
    return (rank, product.category.casefold(), product.name.casefold())
