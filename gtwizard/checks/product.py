"""The check from the product's side for targets beyond Open WebUI: its own `prove`, live.

Open WebUI has checks of its own (its stored connection, an ordinary user's chat); every other
target proves the profile's key through its product (Continue's CLI, a chat through the LiteLLM
proxy, ...) with `ClientTarget.prove`, the same proof a rotation waits for before it revokes. A
product nothing here can run (LibreChat) is a warning that says so, never a pass.
"""

from __future__ import annotations

from gtwizard.checks.base import Check, CheckOutcome, failed, passed, skipped, warned
from gtwizard.checks.context import CheckContext
from gtwizard.errors import GtwizardError


async def product_proof(ctx: CheckContext) -> CheckOutcome:
    from gtwizard.targets.base import ProofRequest, ProofUnavailable
    from gtwizard.targets.registry import for_profile, spec_for

    spec = spec_for(str(ctx.profile.target_kind))
    if spec is None or spec.own_checks:
        return skipped("no product beyond Open WebUI to prove the key in")
    if not ctx.api_key:
        return skipped("the profile's key could not be read (see the stored-key check)")
    target = for_profile(ctx.profile, proof_url=ctx.openwebui_url, credential=ctx.openwebui_token)
    request = ProofRequest(
        secret=ctx.api_key,
        profile=ctx.profile,
        openai_base=ctx.openai_base,
        gt_base=ctx.host.gt_base,
        ca_bundle=ctx.ca_bundle,
        timeout=ctx.timeout,
    )
    try:
        proven = await target.prove(request)
    except ProofUnavailable as exc:
        detail = exc.message
        if not detail.startswith("not proven"):
            detail = f"not proven in {target.product}: {detail}"
        return warned(detail, exc.hint)
    except GtwizardError as exc:
        return failed(exc.message, exc.hint)
    return passed(proven)


PRODUCT_CHECK = Check(
    "product-proof",
    "Proven in the product",
    "The product itself uses the profile's key: a call through it (its CLI, its proxy) reaches the "
    "tenant with that key and gets an answer.",
    "apply the profile again (gtwizard setup --replace), restart the product if it reads its key "
    "at start, then check again",
    product_proof,
    requires=("key-accepted",),
)
