"""Key management (`/manage/v1`) and sandbox control (`/_sandbox/faults`), operator token only.

GT documents no key-management API; this is the contract this project defines, implemented here so
automatic minting and rotation can be tested for real.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gtwizard.sandbox import catalog, responses
from gtwizard.sandbox.faults import FaultHolder
from gtwizard.sandbox.inference import bearer_token, json_object
from gtwizard.sandbox.responses import FieldError
from gtwizard.sandbox.state import SandboxState, iso, parse_iso, utcnow

Endpoint = Callable[[Request], Awaitable[Response]]


def _string_list(data: dict[str, Any], field: str) -> list[str]:
    value = data.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldError(field, f"{field} must be a list of strings")
    return list(dict.fromkeys(value))


# Each allowlist a key carries, with the names it may hold.
ALLOWLISTS: tuple[tuple[str, list[str], str], ...] = (
    ("agent_aliases", catalog.AGENT_ALIASES, "a published name of this kind"),
    ("raw_models", catalog.RAW_MODELS, "a published name of this kind"),
    ("datasets", catalog.DATASETS, "a dataset of this tenant"),
)


def _allowlists(data: dict[str, Any], *, partial: bool) -> dict[str, list[str] | None]:
    """The allowlists in a request, each checked; with `partial`, absent ones are None."""
    lists: dict[str, list[str] | None] = {}
    for field, names, what in ALLOWLISTS:
        if partial and field not in data:
            lists[field] = None
            continue
        given = _string_list(data, field)
        wrong = [n for n in given if n not in names]
        if wrong:
            raise FieldError(field, f"{wrong[0]!r} is not {what}")
        lists[field] = given
    return lists


def parse_key_spec(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a mint request into keyword arguments for `SandboxState.mint`."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FieldError("name", "name is required and must be a non-empty string")
    purpose = data.get("purpose")
    if purpose not in catalog.PURPOSES:
        raise FieldError("purpose", "purpose must be one of: " + ", ".join(catalog.PURPOSES))
    if "scopes" not in data:
        raise FieldError("scopes", "scopes is required (a list, possibly empty)")
    scopes = _string_list(data, "scopes")
    unknown = [s for s in scopes if s not in catalog.KNOWN_SCOPES]
    if unknown:
        raise FieldError("scopes", f"unknown scope {unknown[0]!r}")
    lists = _allowlists(data, partial=False)
    expires_at = data.get("expires_at")
    moment: datetime | None = None
    if expires_at is not None:
        try:
            moment = parse_iso(expires_at)
        except (TypeError, ValueError):
            raise FieldError(
                "expires_at", "expires_at must be an ISO-8601 timestamp or null"
            ) from None
        if moment <= utcnow():
            raise FieldError("expires_at", "expires_at is in the past: such a key could do nothing")
    return {
        "name": name.strip(),
        "purpose": purpose,
        "scopes": scopes,
        "agent_aliases": lists["agent_aliases"],
        "raw_models": lists["raw_models"],
        "datasets": lists["datasets"],
        "expires_at": moment,
    }


def operator_only(handler: Endpoint) -> Endpoint:
    """401 unless the Bearer token is the operator token; 400 for FieldError from the body."""

    async def endpoint(request: Request) -> Response:
        state: SandboxState = request.app.state.sandbox
        if not state.is_operator(bearer_token(request)):
            return responses.invalid_operator()
        try:
            return await handler(request)
        except FieldError as exc:
            return responses.bad_request(str(exc), exc.param)

    return endpoint


async def published(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": catalog.published()})


async def mint_key(request: Request) -> Response:
    spec = parse_key_spec(await json_object(request))
    record, secret = request.app.state.sandbox.mint(**spec)
    body = record.public()
    del body["last_used_at"]
    body["secret"] = secret
    return JSONResponse(body, status_code=201)


async def list_keys(request: Request) -> Response:
    keys = request.app.state.sandbox.list_keys()
    return JSONResponse({"object": "list", "data": [k.public() for k in keys]})


async def get_key(request: Request) -> Response:
    record = request.app.state.sandbox.get(request.path_params["key_id"])
    if record is None:
        return responses.not_found("no such key", "id")
    return JSONResponse(record.public())


async def update_key(request: Request) -> Response:
    """PATCH: replace the allowlists given in the body (each optional); scopes stay as minted."""
    data = await json_object(request)
    unknown = sorted(set(data) - {field for field, _, _ in ALLOWLISTS})
    if unknown:
        raise FieldError(unknown[0], f"{unknown[0]} cannot be changed after minting")
    lists = _allowlists(data, partial=True)
    record = request.app.state.sandbox.update_allowlists(
        request.path_params["key_id"],
        lists["agent_aliases"],
        lists["raw_models"],
        lists["datasets"],
    )
    if record is None:
        return responses.not_found("no such key", "id")
    return JSONResponse(record.public())


async def revoke_key(request: Request) -> Response:
    record = request.app.state.sandbox.revoke(request.path_params["key_id"])
    if record is None:
        return responses.not_found("no such key", "id")
    return JSONResponse({"id": record.id, "revoked": True, "revoked_at": iso(record.revoked_at)})


async def faults(request: Request) -> Response:
    """GET shows, POST replaces (unset fields fall back to the start values), DELETE clears."""
    holder: FaultHolder = request.app.state.faults
    if request.method == "POST":
        holder.set(**await json_object(request))
    elif request.method == "DELETE":
        holder.clear()
    return JSONResponse(holder.current.as_dict())


def manage_routes(base: str) -> list[Route]:
    manage = base + "/manage/v1"
    return [
        Route(manage + "/published", operator_only(published), methods=["GET"]),
        Route(manage + "/keys", operator_only(mint_key), methods=["POST"]),
        Route(manage + "/keys", operator_only(list_keys), methods=["GET"]),
        Route(manage + "/keys/{key_id}", operator_only(get_key), methods=["GET"]),
        Route(manage + "/keys/{key_id}", operator_only(revoke_key), methods=["DELETE"]),
        Route(manage + "/keys/{key_id}", operator_only(update_key), methods=["PATCH"]),
        Route(base + "/_sandbox/faults", operator_only(faults), methods=["GET", "POST", "DELETE"]),
    ]
