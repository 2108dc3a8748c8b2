"""The layers of gtwizard/ as contracts, stated here and read from every import statement.

`ast` sees every import, including those inside functions and `if TYPE_CHECKING:` blocks, which
an import-time test (tests/unit/test_core_imports.py) cannot: most of the core's imports are lazy.

- Textual (and textual_serve) only in the TUI: app.py, screens/, widgets/, and the command modules
  that start it (listed below, each with its reason).
- The core (everything outside the front ends) never imports a front end.
- The sandbox tenant and the client side never import each other (the sandbox stands in for a
  real tenant; the client must not lean on it, nor it on the client).
- The TUI talks no HTTP and no keyring itself: it calls core services (gtwizard/services.py,
  gtwizard/setup/, ...), never gtwizard.gt, gtwizard.secrets, gtwizard.openwebui, httpx or keyring.
- No module is over 600 lines (one job per module; issue 22).
- The core packages and the front ends are ordered (LAYERS, lowest first): a module imports only
  from its own layer or those below it. The GT API client (gt) is at the bottom; Open WebUI
  (openwebui) speaks to its products; lifecycle keeps the journal, ledger and locks; targets apply
  and prove a key; checks read a profile's state; the key runs (keyrun/, the one engine, with the
  step tables of setup/ and rotation/) use all of them; the front ends sit on top, widgets under screens under the app, under the commands, under the CLI.
  Imports under `if TYPE_CHECKING:` only name types and are not held to the order. The top-level
  modules (profiles, credentials, secrets, ...) are shared helpers and are not in the order.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from support.imports import module_name, type_only_lines

import gtwizard

ROOT = Path(gtwizard.__file__).parent

TUI = ("gtwizard.app", "gtwizard.screens", "gtwizard.widgets")
# command modules that may import Textual or the app, and why
TUI_COMMANDS = {
    "gtwizard.commands.tui": "starts WizardApp (imports gtwizard.app inside run_app)",
    "gtwizard.commands.demo": "runs the TUI against the sandbox through commands.tui",
    "gtwizard.commands.serve": "serves the TUI in a browser (textual_serve)",
}
FRONT_ENDS = (*TUI, "gtwizard.commands", "gtwizard.cli", "gtwizard.__main__")
TEXTUAL = ("textual", "textual_serve")
SANDBOX = ("gtwizard.sandbox",)
CLIENT_SIDE = (
    "gtwizard.gt",
    "gtwizard.checks",
    "gtwizard.setup",
    "gtwizard.rotation",
    "gtwizard.lifecycle",
    "gtwizard.openwebui",
)
TUI_FORBIDDEN = (
    "gtwizard.gt",
    "gtwizard.secrets",
    "gtwizard.openwebui",
    "gtwizard.sandbox",
    "httpx",
    "keyring",
)
# lowest first; a module may import its own layer and those below
LAYERS: tuple[tuple[str, ...], ...] = (
    ("gtwizard.gt",),
    ("gtwizard.openwebui",),
    ("gtwizard.lifecycle",),
    ("gtwizard.targets",),  # where a key is applied, and proven from the product's side
    ("gtwizard.checks",),
    ("gtwizard.keyrun", "gtwizard.setup", "gtwizard.rotation"),  # the key runs
    ("gtwizard.widgets",),
    ("gtwizard.screens",),
    ("gtwizard.app",),
    ("gtwizard.commands",),
    ("gtwizard.cli", "gtwizard.__main__"),
)
# imports that go up the order: (module, imported module)
LAYER_EXCEPTIONS: set[tuple[str, str]] = set()  # none left; the list only shrinks


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. gtwizard.screens.tenant
    target: str  # the imported module, absolute, e.g. gtwizard.gt.probe
    line: int
    type_only: bool = False  # under `if TYPE_CHECKING:`

    def __str__(self) -> str:
        path = self.module.replace(".", "/")
        return f"{path}.py:{self.line} imports {self.target}"


def imports_of(path: Path, root: Path = ROOT) -> list[Import]:
    """Every import in the file, wherever it stands; `from a import b` also counts `a.b`."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typed = type_only_lines(tree)
    for node in ast.walk(tree):
        t = node.lineno in typed if isinstance(node, ast.stmt) else False
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno, t) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            found.append(Import(module, source, node.lineno, t))
            # `from gtwizard import sandbox` imports the module gtwizard.sandbox
            found += [Import(module, f"{source}.{a.name}", node.lineno, t) for a in node.names]
    return found


def all_imports(root: Path = ROOT) -> list[Import]:
    return [imp for path in sorted(root.rglob("*.py")) for imp in imports_of(path, root)]


def within(name: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer_of(name: str) -> int | None:
    return next((i for i, layer in enumerate(LAYERS) if within(name, layer)), None)


def contracts_broken(imp: Import) -> list[str]:
    src, dst = imp.module, imp.target
    broken = []
    if within(dst, TEXTUAL) and not within(src, TUI) and src not in TUI_COMMANDS:
        broken.append("Textual outside the TUI")
    if within(dst, TUI) and not within(src, TUI) and src != "gtwizard.commands.tui":
        broken.append("only commands.tui starts the app")
    if not within(src, FRONT_ENDS) and within(dst, FRONT_ENDS):
        broken.append("the core imports a front end")
    if within(src, SANDBOX) and within(dst, CLIENT_SIDE):
        broken.append("the sandbox imports the client side")
    if within(src, CLIENT_SIDE) and within(dst, SANDBOX):
        broken.append("the client side imports the sandbox")
    if within(src, TUI) and within(dst, TUI_FORBIDDEN):
        broken.append("the TUI talks HTTP/keyring itself (use a core service)")
    low, high = layer_of(src), layer_of(dst)
    upward = low is not None and high is not None and high > low
    excepted = any(src == a and within(dst, b) for a, b in LAYER_EXCEPTIONS)
    if upward and not imp.type_only and not excepted:
        broken.append(
            f"a layer imports one above it ({dst.split('.')[1]} is above {src.split('.')[1]})"
        )
    return broken


def violations(imports: list[Import]) -> list[str]:
    """Every broken contract, one line per import statement and contract (empty: layers hold)."""
    seen: set[tuple[str, str, int]] = set()
    lines = []
    for imp in imports:
        for contract in contracts_broken(imp):
            if (contract, imp.module, imp.line) not in seen:  # `from a import b`: a and a.b
                seen.add((contract, imp.module, imp.line))
                lines.append(f"{contract}: {imp}")
    return lines


def test_the_reader_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    pkg = tmp_path / "gtwizard" / "screens"
    pkg.mkdir(parents=True)
    (pkg / "x.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import httpx\n"
        "def f():\n    from gtwizard.gt.probe import probe_host\n"
        "async def g():\n    from ..secrets import probe_keyring\n"
        "    from gtwizard import sandbox\n"
    )
    found = {(i.target, i.line) for i in imports_of(pkg / "x.py", tmp_path / "gtwizard")}
    assert {("httpx", 3), ("gtwizard.gt.probe", 5), ("gtwizard.secrets", 7)} <= found
    assert ("gtwizard.sandbox", 8) in found


def test_each_contract_catches_its_break() -> None:
    def imp(src: str, dst: str) -> Import:
        return Import(src, dst, 1)

    breaks = {
        "Textual outside the TUI": imp("gtwizard.checks.runner", "textual.app"),
        "only commands.tui starts the app": imp("gtwizard.commands.check", "gtwizard.app"),
        "the core imports a front end": imp("gtwizard.profiles", "gtwizard.commands.setup"),
        "the sandbox imports the client side": imp("gtwizard.sandbox.app", "gtwizard.gt.keys"),
        "the client side imports the sandbox": imp("gtwizard.rotation", "gtwizard.sandbox.state"),
        "the TUI talks HTTP/keyring": imp("gtwizard.screens.tenant", "gtwizard.gt.probe"),
        "a layer imports one above it (setup is above checks)": imp(
            "gtwizard.checks.load", "gtwizard.setup.keys"
        ),
        "a layer imports one above it (screens is above widgets)": imp(
            "gtwizard.widgets.steps", "gtwizard.screens.base"
        ),
    }
    for contract, bad in breaks.items():
        found = violations([bad])
        assert found and found[0].startswith(contract), (contract, found)
    allowed = [
        imp("gtwizard.commands.serve", "textual_serve.server"),
        imp("gtwizard.commands.tui", "gtwizard.app"),
        imp("gtwizard.screens.tenant", "gtwizard.services"),
        imp("gtwizard.commands.demo", "gtwizard.sandbox"),
        imp("gtwizard.setup.keys", "gtwizard.lifecycle.journal"),  # down the order
        imp("gtwizard.rotation", "gtwizard.setup.keys"),  # the same layer
        Import("gtwizard.targets.openwebui", "gtwizard.setup.keys", 1, type_only=True),
    ]
    assert violations(allowed) == []


def test_the_reader_finds_the_lazy_imports() -> None:
    imports = all_imports()
    assert len(imports) > 500
    lazy = [
        i for i in imports if i.module == "gtwizard.commands.tui" and i.target == "gtwizard.app"
    ]
    assert lazy, "commands.tui imports the app inside a function: the reader must see it"


def test_the_layers_hold() -> None:
    broken = violations(all_imports())
    assert broken == [], "\n".join(broken)


def test_every_listed_tui_command_exists() -> None:
    for name in TUI_COMMANDS:
        assert (ROOT.parent / (name.replace(".", "/") + ".py")).is_file(), name


def test_every_layer_exception_is_still_an_import() -> None:
    """An exception whose import is gone is removed from LAYER_EXCEPTIONS (the list only shrinks)."""
    live = {(i.module, i.target) for i in all_imports() if not i.type_only}
    assert live >= LAYER_EXCEPTIONS, LAYER_EXCEPTIONS - live


def test_every_layer_names_existing_code() -> None:
    for layer in LAYERS:
        for name in layer:
            path = ROOT.parent / name.replace(".", "/")
            assert path.is_dir() or path.with_suffix(".py").is_file(), name


# the modules that read the process environment, and what they read there
ENVIRONMENT_READERS = {
    "gtwizard.credentials": "the credential variables (GTWIZARD_OPERATOR_TOKEN, ..._HOST, ...)",
    "gtwizard.paths": "GTWIZARD_CONFIG_DIR, GTWIZARD_STATE_DIR, GTWIZARD_CACHE_DIR",
    "gtwizard.testhooks": "the test-crash hooks (GTWIZARD_TEST_CRASH*)",
    "gtwizard.commands.demo": "sets the folder variables for the demo and puts them back",
    "gtwizard.secrets": "PYTHON_KEYRING_BACKEND, DBUS_SESSION_BUS_ADDRESS (the keyring's own)",
    "gtwizard.commands.schedule": "PATH and XDG_CONFIG_HOME (where the timer units go)",
    "gtwizard.targets.continue_config": "GTWIZARD_CONTINUE_CLI, CONTINUE_GLOBAL_DIR, cn's PATH",
}


def environment_reads(path: Path) -> list[int]:
    """Lines that touch os.environ or call os.getenv."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
    ]


def test_the_environment_is_read_in_one_place_per_kind(tmp_path: Path) -> None:
    """GTWIZARD_OPERATOR_TOKEN and the other settings are read at the edge, in the modules
    above, never again deep in the core (it was read in eight places)."""
    (tmp_path / "x.py").write_text("import os\n\ndef f():\n    return os.environ.get('A')\n")
    assert environment_reads(tmp_path / "x.py") == [4]
    found = [
        f"{module_name(path, ROOT).replace('.', '/')}.py:{line} reads the environment"
        for path in sorted(ROOT.rglob("*.py"))
        if module_name(path, ROOT) not in ENVIRONMENT_READERS
        for line in environment_reads(path)
    ]
    assert found == [], "\n".join(found)
    for name in ENVIRONMENT_READERS:
        assert environment_reads(ROOT.parent / (name.replace(".", "/") + ".py")), name


MODULE_LINES_LIMIT = 600


def test_no_module_is_over_600_lines() -> None:
    """Issue 22: small modules with one job. Generated data counts too (packaged.py is one line
    per preset file)."""
    long = {
        str(path.relative_to(ROOT.parent)): lines
        for path in ROOT.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES_LIMIT
    }
    assert not long, f"split these modules: {long}"
