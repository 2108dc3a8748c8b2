"""Pick the OpenAI base URL exactly as the client will compose it.

Every GT runbook documents `https://<host>/api/tenant`, but Open WebUI (like most OpenAI clients)
appends `/models`, `/chat/completions` and `/embeddings` straight to its base. So we probe
`{candidate}/models` for both candidates with the real key, without following redirects (Open
WebUI's HTTP client drops the key on a cross-origin redirect and turns POST into GET), and choose
the documented form only when the tenant really serves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from gtwizard.errors import OperationFailed
from gtwizard.tenant import TenantHost

MAX_REDIRECTS = 3


@dataclass(frozen=True)
class CandidateResult:
    """What one candidate base answered, after following same-host redirects ourselves."""

    candidate: str
    status: int
    final_base: str | None = None  # set when a redirect chain ended on a working base
    note: str = ""


@dataclass(frozen=True)
class BaseChoice:
    """The base to configure, its form, and the reason in words for the operator."""

    openai_base: str
    form: str  # "unversioned" | "v1" | "redirected"
    reason: str
    results: tuple[CandidateResult, ...] = field(default=())


def _same_host(a: str, b: str) -> bool:
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


async def probe_candidate(
    candidate: str, api_key: str, *, ca_bundle: str | Path | None, timeout: float
) -> CandidateResult:
    """Probe `{candidate}/models`, following up to three same-host redirects by hand."""
    from gtwizard.gt.client import probe_base

    base = candidate.rstrip("/")
    for _ in range(MAX_REDIRECTS + 1):
        result = await probe_base(base, api_key, ca_bundle=ca_bundle, timeout=timeout)
        if not 300 <= result.status < 400:
            final = base if base != candidate and result.status == 200 else None
            note = f"redirected; the final URL is {final}" if final else ""
            return CandidateResult(candidate, result.status, final, note)
        if not result.location:
            return CandidateResult(candidate, result.status, None, "redirect without a Location")
        target = urljoin(result.url, result.location)
        if not _same_host(target, candidate):
            return CandidateResult(
                candidate,
                result.status,
                None,
                f"redirects to another host ({urlsplit(target).netloc}); a client following it "
                "would hand the key to that host, so the key was not sent",
            )
        if not target.rstrip("/").endswith("/models"):
            return CandidateResult(candidate, result.status, None, f"redirects to {target}")
        base = target.rstrip("/").removesuffix("/models").rstrip("/")
    return CandidateResult(candidate, 310, None, "too many redirects")


def _describe(result: CandidateResult) -> str:
    meaning = {
        200: "works",
        401: "key rejected (401)",
        403: "forbidden (403)",
        404: "not served (404)",
    }.get(result.status, f"HTTP {result.status}")
    text = f"{result.candidate}/models → {meaning}"
    return f"{text}; {result.note}" if result.note else text


async def choose_base(
    host: TenantHost,
    api_key: str,
    *,
    ca_bundle: str | Path | None = None,
    timeout: float = 10.0,
    client: str = "Open WebUI",
) -> BaseChoice:
    """Probe both candidates and pick the one that works as an OpenAI client composes URLs.

    `client` is the product's name, for the reason in words: like Open WebUI, the OpenAI SDKs and
    the clients built on them append `/models` and `/chat/completions` straight to their base.
    """
    unversioned, v1 = host.openai_bases
    first = await probe_candidate(unversioned, api_key, ca_bundle=ca_bundle, timeout=timeout)
    second = await probe_candidate(v1, api_key, ca_bundle=ca_bundle, timeout=timeout)
    results = (first, second)
    for result, form in ((first, "unversioned"), (second, "v1")):
        if result.status == 200 and result.final_base:
            return BaseChoice(
                result.final_base,
                "redirected",
                f"{result.candidate} redirects; storing the final URL {result.final_base} "
                f"because {client} may not follow redirects safely (clients drop the key "
                "or turn POST into GET)",
                results,
            )
        if result.status == 200:
            if form == "unversioned":
                reason = (
                    f"The tenant serves unversioned paths, so the documented base {unversioned} "
                    f"works as {client} composes it ({unversioned}/models answered 200)."
                )
            else:
                reason = (
                    f"The documented base {unversioned} does not work for {client} "
                    f"({_describe(first)}), because {client} appends /models directly to "
                    "its base; "
                    f"{v1}/models answered 200, so the base is {v1}."
                )
            return BaseChoice(result.candidate.rstrip("/"), form, reason, results)
    statuses = {r.status for r in results}
    if 401 in statuses:
        hint = "The key was rejected: check that it was copied whole and is not revoked"
    else:
        hint = "Check the host, the key's allowlist, and any proxy in between"
    raise OperationFailed(
        "Neither OpenAI base form works with this key: " + "; ".join(_describe(r) for r in results),
        hint,
    )
