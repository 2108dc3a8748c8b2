"""Text from a tenant or an Open WebUI, made harmless before a person sees it.

A tenant (or an Open WebUI, or anything answering in their place) chooses the bytes of every id,
name, message and model name it sends. Printed raw, an ESC starts a terminal sequence (OSC 52
writes the clipboard, CSI moves the cursor and clears the screen), a C1 byte does the same on many
terminals, a carriage return overwrites what gtwizard printed, and a bidi override makes text read
in another order than it is stored. So:

- `visible(text)` is the one sanitising function at the edge where such text enters (the GT
  client, the key manager, the probe, the Open WebUI client): every character that could act on a
  terminal or reorder text is replaced by its escape, written the way Python writes it (`\\x1b`,
  `\\x9b`, `\\u202e`, `\\U000e0041`), and the result is one line of bounded length.
- `guard(text)` is the last check where text leaves gtwizard (the CLI's stdout and stderr, the TUI,
  the runbook, the diagnostic log): the same replacement, except that line feeds and tabs stay, so
  gtwizard's own multi-line output keeps its shape.
- `guard_json(text)` does it for JSON text written with `ensure_ascii=False` (the audit log): the
  characters become JSON escapes (`\\u001b`), so the line stays valid JSON with the same values.

What counts as dangerous (`dangerous`): every control character (C0 including tab, line feed and
carriage return, DEL, C1), every format character (Unicode category Cf: the bidi embeddings,
overrides, isolates and marks U+202A-202E, U+2066-2069, U+200E/F, U+061C, zero-width spaces, the
soft hyphen, the byte-order mark and the invisible tag characters U+E0000-E007F), line and
paragraph separators (U+2028/9), and lone surrogates (they cannot even be encoded, so printing one
would stop the run). The zero-width joiner and non-joiner (U+200C/D) are kept: scripts and emoji
need them to be written at all, and they act on neither the terminal nor the order of the text.

The escapes are for reading, not for decoding: a backslash the tenant sent stays as it is.
"""

from __future__ import annotations

import re
import sys
import unicodedata

TYPE_CHECKING = False  # the CLI imports this module on every run: typing stays out of start-up
if TYPE_CHECKING:
    from typing import Any, TextIO

# A name or a message from a tenant longer than this is cut for display (the rest is counted).
FIELD_LIMIT = 200
_KEEP = frozenset({"\u200c", "\u200d"})  # zero-width (non-)joiner: needed to write some scripts
_DANGEROUS_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Every character that is not printable ASCII: the candidates `dangerous` decides on (fast path).
_NOT_PLAIN = re.compile(r"[^\x20-\x7e]")
_NOT_PLAIN_OR_LINE = re.compile(r"[^\x20-\x7e\n\t]")


def dangerous(char: str) -> bool:
    """Whether one character may act on a terminal or reorder the text around it."""
    if char < " ":
        return True
    if char < "\x7f":
        return False
    return char not in _KEEP and unicodedata.category(char) in _DANGEROUS_CATEGORIES


def escape_char(char: str) -> str:
    """`\\x1b`, `\\u202e`, `\\U000e0041`: the character's code point, the way Python writes it."""
    point = ord(char)
    if point <= 0xFF:
        return f"\\x{point:02x}"
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def _escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    return escape_char(char) if dangerous(char) else char


def is_clean(text: str) -> bool:
    """True when `text` holds no dangerous character (then `visible` would change nothing)."""
    return not any(dangerous(m.group(0)) for m in _NOT_PLAIN.finditer(text))


def visible(text: object, limit: int | None = FIELD_LIMIT) -> str:
    """One line of text from a tenant, harmless on any terminal, at most about `limit` characters.

    Dangerous characters (tab and line feed included) become their escapes; past `limit`
    characters of output the text is cut and ends with `…(N more)`. Anything that is not a
    string is shown as its `str`.
    """
    text = text if isinstance(text, str) else str(text)
    if limit is None and is_clean(text):
        return text
    out: list[str] = []
    length = 0
    for index, char in enumerate(text):
        piece = escape_char(char) if dangerous(char) else char
        if limit is not None and length + len(piece) > limit:
            return "".join(out) + f"…({len(text) - index} more)"
        out.append(piece)
        length += len(piece)
    return "".join(out)


def guard(text: str) -> str:
    """`text` with every dangerous character but line feed and tab escaped (no length bound)."""
    return _NOT_PLAIN_OR_LINE.sub(_escaped, text)


def _json_escape(char: str) -> str:
    point = ord(char)
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    point -= 0x10000  # JSON writes a code point above the BMP as a surrogate pair
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def guard_json(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with dangerous characters escaped.

    Outside its strings JSON text holds only ASCII punctuation, digits, letters and whitespace
    that `json.dumps` wrote itself, so every dangerous character is inside a string, where a
    `\\uXXXX` escape decodes to the same value.
    """

    def escaped(match: re.Match[str]) -> str:
        char = match.group(0)
        return _json_escape(char) if dangerous(char) else char

    return _NOT_PLAIN_OR_LINE.sub(escaped, text)


class EscapingTable(dict[int, "int | str | None"]):
    """A `str.translate` table that escapes every dangerous character but line feed and tab, and
    leaves every other character as it is; `base` entries (e.g. characters to drop) come first.

    It fills itself as characters are met (a character is decided once), so it costs no scan of
    Unicode up front and translates as fast as a plain dict. The TUI installs it as the table its
    toolkit strips control codes with (gtwizard.widgets.terminal_guard).
    """

    def __init__(self, base: dict[int, int | str | None] | None = None) -> None:
        super().__init__(base or {})

    def __missing__(self, point: int) -> int | str:
        char = chr(point)
        value: int | str = (
            escape_char(char) if dangerous(char) and char not in ("\n", "\t") else point
        )
        self[point] = value
        return value


class UntrustedJSONError(ValueError):
    """A body that is not JSON gtwizard will decode (not JSON at all, or nested too deeply)."""


# Deeper than any answer of GT or Open WebUI gtwizard reads (those are 4 or 5 levels); anything
# deeper is refused before code that walks it (or Python's own decoder) runs out of stack.
MAX_JSON_DEPTH = 64


def _depth_ok(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def loads_untrusted(data: str | bytes | bytearray) -> Any:
    """`json.loads` for a body from a tenant or an Open WebUI.

    Raises UntrustedJSONError (a ValueError) when the body is not JSON, or when it nests deeper
    than MAX_JSON_DEPTH: Python's decoder gives up on deep nesting with a RecursionError, which
    would otherwise look like a bug in gtwizard when it is the sender's fault.
    """
    import json

    try:
        value = json.loads(data)
    except RecursionError:
        raise UntrustedJSONError(
            f"the body nests deeper than {MAX_JSON_DEPTH} levels of JSON"
        ) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise UntrustedJSONError("the body is not JSON") from exc
    if not _depth_ok(value, MAX_JSON_DEPTH):
        raise UntrustedJSONError(f"the body nests deeper than {MAX_JSON_DEPTH} levels of JSON")
    return value


class GuardedStream:
    """A text stream whose `write` passes every string through `guard`: the CLI's last check.

    Everything else (fileno, isatty, flush, encoding, buffer) is the wrapped stream's own, so
    `input()`, `print_json` and the pipe handling see the real terminal.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(guard(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def guard_std_streams() -> tuple[TextIO, TextIO]:
    """Put `GuardedStream` around sys.stdout and sys.stderr; return the previous two."""
    before = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, GuardedStream):
        sys.stdout = GuardedStream(sys.stdout)
    if not isinstance(sys.stderr, GuardedStream):
        sys.stderr = GuardedStream(sys.stderr)
    return before
