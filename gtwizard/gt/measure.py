"""Measure what a key can really do on the tenant, instead of trusting what it was meant to do.

With an operator token the tenant's key list says it outright (scopes, purpose, allowlists,
datasets). Without one, the key is probed: `GET /v1/models` lists the names its allowlists open,
and one harmless request per scoped route shows which routes it may use. A route refused with 403
(missing scope or wrong purpose) is closed; any other answer (a 404 for the made-up probe model,
a 400 for the empty body) means the gate let the request through, so the scope is there. The probe
model is never published, so nothing is generated, transcribed or stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gtwizard.gt.errors import Unauthorized, error_body, to_gt_error

PROBE_MODEL = "gtwizard-scope-probe"
PROBE_DATASET = "gtwizard-scope-probe"

# Every scoped route with the scope that opens it and a request that cannot do anything.
SCOPE_PROBES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "inference:chat": (
        "POST",
        "/v1/chat/completions",
        {"model": PROBE_MODEL, "messages": [{"role": "user", "content": "x"}]},
    ),
    "inference:embed": ("POST", "/v1/embeddings", {"model": PROBE_MODEL, "input": "x"}),
    "inference:transcribe": ("POST", "/v1/audio/transcriptions", {}),
    "inference:speech": ("POST", "/v1/audio/speech", {"model": PROBE_MODEL, "input": "x"}),
    "inference:image": ("POST", "/v1/images/generations", {"model": PROBE_MODEL, "prompt": "x"}),
    "datasets:write": ("POST", "/v1/datasets/{id}/files", {}),
}
# A 404 with one of these codes came from behind the scope gate (the probe's made-up name).
_PAST_THE_GATE = ("model_not_found", "dataset_not_found")


def probe_path(path: str) -> str:
    """A route template with its placeholder filled by the probe's made-up dataset."""
    return path.replace("{id}", PROBE_DATASET)


@dataclass(frozen=True)
class KeyReach:
    """What a key was measured to reach. `purpose`/`datasets` are None when only probed;
    `unmeasured` names scopes whose probe got no usable answer (5xx, 429, timeout)."""

    source: str  # "key list" (operator token) or "probes"
    scopes: tuple[str, ...]
    agent_aliases: tuple[str, ...]
    raw_models: tuple[str, ...]
    purpose: str | None = None
    datasets: tuple[str, ...] | None = None
    key_id: str | None = None
    unmeasured: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.agent_aliases + self.raw_models


def scope_open(status: int, code: str) -> bool | None:
    """Whether a probe's answer shows the route open (True), closed (False) or unknown (None)."""
    if status in (401, 403):
        return False
    if status == 404:
        return code in _PAST_THE_GATE  # any other 404: the tenant has no such route for anyone
    if status == 429 or status >= 500:
        return None
    return True


async def _probe(
    gt_base: str, secret: str, ca_bundle: str | Path | None, timeout: float
) -> KeyReach:
    import httpx

    from gtwizard.gt.client import GTClient
    from gtwizard.gt.http import BODY_CAP, CAP_RECORD, make_client

    async with GTClient(gt_base, secret, ca_bundle=ca_bundle, timeout=timeout) as client:
        models = await client.list_models()  # 401 here: the key is not accepted at all
    headers = {"Authorization": f"Bearer {secret}"}
    base = gt_base.rstrip("/")

    async def one(http: httpx.AsyncClient, scope: str) -> tuple[str, bool | None]:
        method, path, body = SCOPE_PROBES[scope]
        url = base + probe_path(path)
        try:
            response = await http.request(method, url, json=body, extensions={BODY_CAP: CAP_RECORD})
        except httpx.HTTPError as exc:
            error = to_gt_error(exc, url=url, secrets=(secret,))
            if isinstance(error, Unauthorized):
                raise error from None
            return scope, None
        code = str((error_body(response) or {}).get("code") or "")
        return scope, scope_open(response.status_code, code)

    async with make_client(ca_bundle=ca_bundle, timeout=timeout, headers=headers) as http:
        answers = await asyncio.gather(*(one(http, s) for s in SCOPE_PROBES))
    return KeyReach(
        source="probes",
        scopes=tuple(s for s, open_ in answers if open_),
        agent_aliases=tuple(m.id for m in models if m.kind == "agent_alias"),
        raw_models=tuple(m.id for m in models if m.kind != "agent_alias"),
        unmeasured=tuple(s for s, open_ in answers if open_ is None),
    )


async def measure_key(
    gt_base: str,
    secret: str,
    *,
    operator_token: str | None = None,
    ca_bundle: str | Path | None = None,
    timeout: float = 10.0,
) -> KeyReach:
    """What `secret` can really do on the tenant at `gt_base`.

    With `operator_token`, the live record whose prefix the secret starts with (one match only);
    otherwise, or when the list names no such key, the probes. Raises a GTError when the tenant
    rejects the key or cannot be reached; never puts the secret in a message.
    """
    if operator_token:
        from gtwizard.gt.keys import KeyManager

        async with KeyManager(
            gt_base, operator_token, ca_bundle=ca_bundle, timeout=timeout
        ) as manager:
            records = await manager.list_keys()
        live = [r for r in records if not r.revoked and r.prefix and secret.startswith(r.prefix)]
        if len(live) == 1:
            record = live[0]
            return KeyReach(
                source="key list",
                scopes=record.scopes,
                agent_aliases=record.agent_aliases,
                raw_models=record.raw_models,
                purpose=record.purpose,
                datasets=record.datasets,
                key_id=record.id,
            )
    return await _probe(gt_base, secret, ca_bundle, timeout)
