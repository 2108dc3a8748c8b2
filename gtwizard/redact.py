"""Keep secrets out of everything we print, log or store.

`mask` shows a secret in a recognisable but useless form; `redact` scrubs known secrets and
anything shaped like a GT key, an operator token, an Open WebUI key or a bearer header from text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SECRET_PATTERNS = [
    # five or more: `gtak_n8EY…`, the four characters the tenant's /gt-api page shows of a key,
    # names a key without being one (gtwizard.lifecycle.target.key_label)
    re.compile(r"gtak_[A-Za-z0-9_\-]{5,}"),
    re.compile(r"gtop_[A-Za-z0-9_\-]{4,}"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}"),
    re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"),
]


def mask(secret: str | None) -> str:
    """`gtak_abcd…wxyz` style: the prefix and the last four characters, nothing more."""
    if not secret:
        return ""
    prefix = ""
    for candidate in ("gtak_", "gtop_", "sk-"):
        if secret.startswith(candidate):
            prefix = candidate
            break
    if len(secret) <= len(prefix) + 8:
        return prefix + "…"
    return f"{prefix}…{secret[-4:]}"


# A value shorter than this is no secret worth the name (a GT key or an operator token is over 20
# characters): replaced as a bare substring, a stray `s` typed as a token would turn every `s` of
# the text into a mask. Such a value is left alone; the secret-shaped patterns still apply.
MIN_SECRET_LENGTH = 8


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every known secret and every secret-shaped token in `text` with its mask (a known
    value shorter than MIN_SECRET_LENGTH is not treated as a secret)."""
    known = (s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, mask(secret))

    def _sub(match: re.Match[str]) -> str:
        if match.lastindex:  # "Bearer <token>": keep the word, mask the token
            return match.group(1) + "…"
        return mask(match.group(0))

    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_sub, text)
    return text
