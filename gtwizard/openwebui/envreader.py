"""What Open WebUI 0.12.4 makes of an env file's OpenAI values: the connections it derives on a
fresh start, and the values it would turn into silent misbehaviour (gtwizard.openwebui.envfile
plans edits against both; the checks compare a running Open WebUI with them)."""

from __future__ import annotations

import json
from collections.abc import Mapping

OPENAI_DEFAULT_BASE = "https://api.openai.com/v1"


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";")]


def effective_openai_config(values: Mapping[str, str]) -> dict[str, object]:
    """What Open WebUI 0.12.4 derives from these env values on a fresh start.

    Mirrors its config.py: the plural lists win over the singular pair, an empty URL segment
    becomes api.openai.com, only the singular URL loses a trailing slash, bad JSON is ignored.
    """
    url = values.get("OPENAI_API_BASE_URL", "") or OPENAI_DEFAULT_BASE
    url = url[:-1] if url.endswith("/") else url
    keys_raw = values.get("OPENAI_API_KEYS", "") or values.get("OPENAI_API_KEY", "")
    urls_raw = values.get("OPENAI_API_BASE_URLS", "") or url
    urls = [u.strip() if u != "" else OPENAI_DEFAULT_BASE for u in urls_raw.split(";")]
    try:
        configs = json.loads(values.get("OPENAI_API_CONFIGS", "") or "{}")
    except ValueError:
        configs = {}
    return {
        "ENABLE_OPENAI_API": values.get("ENABLE_OPENAI_API", "True").lower() == "true",
        "OPENAI_API_BASE_URLS": urls,
        "OPENAI_API_KEYS": split_list(keys_raw),
        "OPENAI_API_CONFIGS": configs if isinstance(configs, dict) else {},
    }


def lint(values: Mapping[str, str]) -> list[str]:
    """Problems Open WebUI would turn into silent misbehaviour; empty when the values are sound."""
    problems: list[str] = []
    for name, what in (
        ("OPENAI_API_BASE_URLS", "Open WebUI turns it into https://api.openai.com/v1"),
        ("OPENAI_API_KEYS", "that connection would get no key"),
    ):
        raw = values.get(name, "")
        if raw and any(part == "" for part in split_list(raw)):
            problems.append(f"{name} has an empty ';' segment: {what}")
    url_vars = ["OPENAI_API_BASE_URLS", "RAG_OPENAI_API_BASE_URL"]
    if not values.get("OPENAI_API_BASE_URLS"):
        url_vars.append("OPENAI_API_BASE_URL")  # only in effect when the plural is unset
    for name in url_vars:
        for entry in split_list(values.get(name, "")):
            if entry.endswith("/"):
                problems.append(
                    f"{name} has a base URL with a trailing '/': Open WebUI would call '//models'"
                )
                break
    eff = effective_openai_config(values)
    urls, keys = eff["OPENAI_API_BASE_URLS"], eff["OPENAI_API_KEYS"]
    assert isinstance(urls, list) and isinstance(keys, list)
    if values.get("OPENAI_API_BASE_URLS") and len(urls) != len(keys):
        problems.append(
            f"OPENAI_API_BASE_URLS has {len(urls)} entries but the keys have {len(keys)}: "
            "keys are bound to URLs by position"
        )
    raw_configs = values.get("OPENAI_API_CONFIGS")
    if raw_configs:
        try:
            parsed = json.loads(raw_configs)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            problems.append("OPENAI_API_CONFIGS is not a JSON object: Open WebUI would ignore it")
        else:
            allowed = {str(i) for i in range(len(urls))}
            stray = sorted(k for k in parsed if k not in allowed)
            if stray:
                problems.append(
                    f"OPENAI_API_CONFIGS has keys outside 0..{len(urls) - 1}: {', '.join(stray)}"
                )
    return problems
