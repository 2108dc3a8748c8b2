"""The running LiteLLM proxy, asked from outside: which deployments it loaded (their ids) and
whether a chat through it is answered by the deployment that holds a given key.

LiteLLM names each deployment by the SHA-256 of its model name and its resolved litellm_params,
the key included (`Router.generate_model_id`, 1.108); `/model/info` and each answer's
`x-litellm-model-id` header show that id, never the key (gtwizard.targets.litellm_proxy).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from gtwizard.errors import OperationFailed

CHAT_PROMPT = "gtwizard proof through LiteLLM: reply with one short sentence."
MARKER = "gtwizard"  # model_info.gtwizard marks gtwizard's own entries


def deployment_id(name: str, params: Mapping[str, Any]) -> str:
    """LiteLLM's id of a deployment (`Router.generate_model_id`): the SHA-256 of the model name
    and every resolved litellm_param, name then value, in the config's order."""
    parts = [name]
    for key, value in params.items():
        for item in (key, value):
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict):
                parts.append(json.dumps(item))
            else:
                parts.append(str(item))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


async def loaded_ids(
    url: str, master: str, *, config: str, ca_bundle: str | None
) -> dict[str, str]:
    """model_name → deployment id of gtwizard's entries in the running proxy's /model/info."""
    from gtwizard.gt.errors import GTError
    from gtwizard.gt.http import CAP_LIST, make_client
    from gtwizard.gt.transport import RetryPolicy, send
    from gtwizard.safetext import loads_untrusted

    info_url = f"{url.rstrip('/')}/model/info"
    try:
        async with make_client(
            ca_bundle=ca_bundle, timeout=15.0, headers={"Authorization": f"Bearer {master}"}
        ) as client:
            response = await send(
                client,
                "GET",
                info_url,
                policy=RetryPolicy(max_retries=1),
                secrets=(master,),
                cap=CAP_LIST,
            )
            body = loads_untrusted(response.content)
    except (GTError, ValueError) as exc:
        raise OperationFailed(
            f"LiteLLM at {url} did not list its models: {exc}",
            "check that the proxy runs there and that the master key is its own",
        ) from None
    seen: dict[str, str] = {}
    items = body.get("data") if isinstance(body, dict) else None
    for item in items if isinstance(items, list) else []:
        info = item.get("model_info") if isinstance(item, dict) else None
        if isinstance(info, dict) and MARKER in info:
            seen[str(item.get("model_name"))] = str(info.get("id") or "")
    if not seen:
        raise OperationFailed(
            f"LiteLLM at {url} has none of gtwizard's models loaded",
            f"restart it so it reads {config}, then run this again",
        )
    return seen


async def use_through(
    url: str,
    master: str,
    names: list[str],
    expected: Mapping[str, str],
    *,
    embedding: str | None = None,
    ca_bundle: str | None,
    timeout: float,
) -> None:
    """A chat per name (and an embedding with `embedding`) through the proxy, as its users call
    it, each answered by the deployment with the expected id."""
    from gtwizard.gt.client import require_answer
    from gtwizard.gt.errors import GTError
    from gtwizard.gt.http import CAP_CHAT, CAP_EMBED, make_client
    from gtwizard.gt.transport import RetryPolicy, send
    from gtwizard.safetext import loads_untrusted

    base = url.rstrip("/")
    calls: list[tuple[str, str, dict[str, Any], int]] = [
        (
            name,
            "a chat",
            {"model": name, "messages": [{"role": "user", "content": CHAT_PROMPT}]},
            CAP_CHAT,
        )
        for name in names
    ]
    if embedding:
        calls.append(
            (embedding, "an embedding", {"model": embedding, "input": CHAT_PROMPT}, CAP_EMBED)
        )
    async with make_client(
        ca_bundle=ca_bundle, timeout=timeout, headers={"Authorization": f"Bearer {master}"}
    ) as client:
        for name, what, body, cap in calls:
            route = "/v1/embeddings" if "input" in body else "/v1/chat/completions"
            try:
                response = await send(
                    client,
                    "POST",
                    base + route,
                    policy=RetryPolicy(max_retries=1),
                    json=body,
                    secrets=(master,),
                    cap=cap,
                )
                data = loads_untrusted(response.content)
                if "input" in body:
                    vector = data["data"][0]["embedding"]
                    text = "vector" if isinstance(vector, list) and vector else ""
                else:
                    text = data["choices"][0]["message"]["content"]
            except (GTError, ValueError, KeyError, IndexError, TypeError) as exc:
                raise OperationFailed(
                    f"{what} with {name} through LiteLLM at {url} failed: {exc}",
                    "the proxy's log says why (GT refused the key, or the name is not "
                    "allowed for it)",
                ) from None
            served = response.headers.get("x-litellm-model-id", "")
            if served != expected.get(name):
                raise OperationFailed(
                    f"LiteLLM at {url} answered {name} from a deployment that does not "
                    "hold this key",
                    f"remove other entries named {name}, restart the proxy, and run this again",
                )
            require_answer(
                str(text or ""),
                what=f"LiteLLM's answer to {what} with {name}",
                error=OperationFailed,
            )
