"""One entry of a product's YAML file, edited in place: the operator's other bytes are kept.

Continue's `models`, the LiteLLM proxy's `model_list` and LibreChat's `endpoints.custom` are
lists in files the operator also edits, with comments, order and quoting of their own. A YAML
round trip would rewrite all of that, so gtwizard edits text instead: it finds its own entry (a
mapping in the list whose `match` fields are equal) by the parser's positions, replaces exactly
its lines or appends it after the list's last entry, and then parses the result to prove that the
only change in the data is that entry. Anything it cannot edit that way (a flow-style list, tabs,
a document that is not a mapping) is refused with one line, before a key is minted.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from gtwizard.errors import InvalidInput


def load(text: str, where: str) -> Any:
    """The data of a YAML file (None for an empty one); one clear line when it does not parse."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InvalidInput(
            f"{where} is not valid YAML{line}: {problem}",
            "fix the file (or move it aside) and run the command again; nothing was changed",
        ) from None


def find(data: Any, path: Sequence[str], match: Mapping[str, object]) -> dict[str, Any] | None:
    """The entry of the list at `path` whose `match` fields are equal (None: not there)."""
    items = _at(data, path)
    if not isinstance(items, list):
        return None
    for item in items:
        if isinstance(item, dict) and all(item.get(k) == v for k, v in match.items()):
            return item
    return None


def upsert(
    text: str,
    path: Sequence[str],
    match: Mapping[str, object],
    entry: Mapping[str, Any],
    where: str,
) -> str:
    """`text` with `entry` as the list item at `path` that `match` names (replaced in place, or
    appended after the list's last item; the list and its parents are made when missing)."""
    if "\t" in text:
        raise InvalidInput(
            f"{where} has tab characters, which gtwizard does not edit",
            "replace the tabs with spaces and run the command again; nothing was changed",
        )
    before = load(text, where)
    if before is not None and not isinstance(before, dict):
        raise InvalidInput(
            f"{where} is not a YAML mapping at the top", "fix the file and run the command again"
        )
    expected = _expected(before or {}, path, match, entry, where)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    root = yaml.compose(text) if before is not None else None
    edited = _splice(lines, root, list(path), match, dict(entry), where)
    result = "".join(edited)
    if load(result, where) != expected:  # the only change in the data is our entry
        raise InvalidInput(
            f"{where}: gtwizard cannot edit its entry in place without changing other settings",
            f"add the entry by hand (see `gtwizard runbook`), or simplify the file's layout "
            f"around {'.'.join(path)}; nothing was changed",
        )
    return result


def remove(text: str, path: Sequence[str], match: Mapping[str, object], where: str) -> str:
    """`text` without the list item at `path` that `match` names: exactly its lines go, every
    other byte stays (unchanged when it is not there, or is the list's only item, whose removal
    would leave the key empty rather than an empty list)."""
    before = load(text, where)
    items = _at(before, path)
    if not isinstance(items, list) or len(items) < 2 or find(before, path, match) is None:
        return text
    node: yaml.Node | None = yaml.compose(text)
    for key in path:
        found = _child(node, key) if isinstance(node, yaml.MappingNode) else None
        node = found[1] if found else None
    if not isinstance(node, yaml.SequenceNode) or node.flow_style:
        raise _unsupported(where, path[-1])
    lines = text.splitlines(keepends=True)
    expected = copy.deepcopy(before)
    kept = _at(expected, path)
    for index, item in enumerate(node.value):
        if isinstance(item, yaml.MappingNode) and _matches(item, match):
            first, last = item.start_mark.line, _last_line(item)
            if lines[first][: node.start_mark.column].strip():
                raise _unsupported(where, path[-1])
            del kept[index]
            result = "".join([*lines[:first], *lines[last + 1 :]])
            if load(result, where) != expected:  # the only change in the data is that entry
                raise InvalidInput(
                    f"{where}: gtwizard cannot remove its entry without changing other settings",
                    "remove the entry by hand and run the command again; nothing was changed",
                )
            return result
    return text


def _at(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _expected(
    data: dict[str, Any],
    path: Sequence[str],
    match: Mapping[str, object],
    entry: Mapping[str, Any],
    where: str,
) -> dict[str, Any]:
    result = copy.deepcopy(data)
    node: Any = result
    for key in path[:-1]:
        if node.get(key) is None:
            node[key] = {}
        node = node[key]
        if not isinstance(node, dict):
            raise InvalidInput(f"{where}: {key} is not a mapping", "fix the file and run again")
    items = node.get(path[-1])
    if items is None:
        node[path[-1]] = items = []
    if not isinstance(items, list):
        raise InvalidInput(
            f"{where}: {'.'.join(path)} is not a list", "fix the file and run the command again"
        )
    for index, item in enumerate(items):
        if isinstance(item, dict) and all(item.get(k) == v for k, v in match.items()):
            items[index] = dict(entry)
            return result
    items.append(dict(entry))
    return result


def _render(entry: dict[str, Any], indent: int) -> list[str]:
    text = yaml.safe_dump([entry], default_flow_style=False, sort_keys=False, width=1000)
    return [" " * indent + line + "\n" for line in text.splitlines()]


def _last_line(node: yaml.Node) -> int:
    """The last line (0-based) that holds part of `node`'s content (not trailing comments)."""
    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark
        last: int = end.line if end.column > 0 or end.line == node.start_mark.line else end.line - 1
        return last
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    return max((_last_line(c) for c in children), default=node.start_mark.line)


def _child(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value
    return None


def _splice(
    lines: list[str],
    node: yaml.Node | None,
    path: list[str],
    match: Mapping[str, object],
    entry: dict[str, Any],
    where: str,
    indent: int = 0,
) -> list[str]:
    if node is None or not isinstance(node, yaml.MappingNode):  # an empty file
        return lines + _new_block(path, entry, indent)
    found = _child(node, path[0])
    if found is None or (
        isinstance(found[1], yaml.ScalarNode) and found[1].value in ("", "~", "null")
    ):
        if found is not None:  # `key:` with nothing under it: the block goes under it
            at = found[0].start_mark.line
            head = lines[at].rstrip("\n")
            return [
                *lines[:at],
                head + "\n",
                *_nested(path[1:], entry, indent + 2),
                *lines[at + 1 :],
            ]
        child_indent = node.value[0][0].start_mark.column if node.value else indent
        at = _last_line(node) + 1
        return [*lines[:at], *_new_block(path, entry, child_indent), *lines[at:]]
    key_node, value = found
    if len(path) > 1:
        if not isinstance(value, yaml.MappingNode) or value.flow_style:
            raise _unsupported(where, path[0])
        return _splice(lines, value, path[1:], match, entry, where, key_node.start_mark.column + 2)
    if isinstance(value, yaml.SequenceNode) and value.flow_style and not value.value:
        at = key_node.start_mark.line  # `key: []`: becomes a block list with our entry
        if value.end_mark.line != at:
            raise _unsupported(where, path[0])
        tail = lines[at][value.end_mark.column :].strip()
        if tail and not tail.startswith("#"):
            raise _unsupported(where, path[0])
        head = lines[at][: value.start_mark.column].rstrip() + (f"  {tail}" if tail else "") + "\n"
        return [
            *lines[:at],
            head,
            *_render(entry, key_node.start_mark.column + 2),
            *lines[at + 1 :],
        ]
    if not isinstance(value, yaml.SequenceNode) or value.flow_style:
        raise _unsupported(where, path[0])
    dash = value.start_mark.column
    for item in value.value:
        if isinstance(item, yaml.MappingNode) and _matches(item, match):
            first, last = item.start_mark.line, _last_line(item)
            if lines[first][:dash].strip() or lines[first][dash] != "-":
                raise _unsupported(where, path[0])
            return [*lines[:first], *_render(entry, dash), *lines[last + 1 :]]
    at = _last_line(value) + 1
    return [*lines[:at], *_render(entry, dash), *lines[at:]]


def _matches(item: yaml.MappingNode, match: Mapping[str, object]) -> bool:
    data = yaml.safe_load(yaml.serialize(item))
    return isinstance(data, dict) and all(data.get(k) == v for k, v in match.items())


def _nested(path: list[str], entry: dict[str, Any], indent: int) -> list[str]:
    if not path:
        return _render(entry, indent)
    return _new_block(path, entry, indent)


def _new_block(path: list[str], entry: dict[str, Any], indent: int) -> list[str]:
    head = " " * indent + path[0] + ":\n"
    return [head, *_nested(path[1:], entry, indent + 2)]


def _unsupported(where: str, key: str) -> InvalidInput:
    return InvalidInput(
        f"{where}: {key} is written in a form gtwizard does not edit in place (flow style)",
        f"write {key} as a block list (one '- ' entry per line) and run the command again",
    )
