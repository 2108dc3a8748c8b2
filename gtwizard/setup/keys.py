"""Key choice: preset and scopes, the allowlist from published names, minting, pasted keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.gt.contract import EXPIRES_DAYS_MAX, is_key_form
from gtwizard.lifecycle.target import fingerprint_id as fingerprint_id
from gtwizard.presets.catalog import KeyPreset
from gtwizard.tenant import TenantHost

if TYPE_CHECKING:
    from gtwizard.gt.keys import MintedKey
    from gtwizard.lifecycle.journal import Journal
    from gtwizard.lifecycle.ledger import KeyState

if TYPE_CHECKING:
    from gtwizard.gt.measure import KeyReach

EMBED_SCOPE = "inference:embed"
AGENT_ALIAS = "agent_alias"
RAW_MODEL = "raw_model"


@dataclass(frozen=True)
class KeyChoice:
    """What the new key may do: preset, scopes, and the two separate allowlists."""

    preset: KeyPreset
    scopes: tuple[str, ...]
    agent_aliases: tuple[str, ...]
    raw_models: tuple[str, ...]
    embeddings: bool = False
    embedding_model: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self.agent_aliases + self.raw_models


def scopes_for(preset: KeyPreset, embeddings: bool) -> tuple[str, ...]:
    """The preset's scopes, plus `inference:embed` when embeddings go through GT as well."""
    scopes = list(preset.scopes)
    if embeddings and EMBED_SCOPE not in scopes:
        scopes.append(EMBED_SCOPE)
    return tuple(scopes)


def split_names(
    wanted: Sequence[str], published: Iterable[tuple[str, str]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sort the names the operator picked into agent aliases and raw models, by published kind."""
    kinds = dict(published)
    unknown = [name for name in wanted if name not in kinds]
    if unknown:
        known = ", ".join(sorted(kinds)) or "none"
        raise InvalidInput(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not published on this tenant",
            f"Published names: {known}",
        )
    aliases = tuple(n for n in wanted if kinds[n] == AGENT_ALIAS)
    raws = tuple(n for n in wanted if kinds[n] != AGENT_ALIAS)
    return aliases, raws


def parse_names(text: str) -> tuple[str, ...]:
    """`a, b,,c` -> (a, b, c): comma-separated, blanks dropped, order kept, duplicates removed."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            seen[part.strip()] = None
    return tuple(seen)


def pick_embedding_model(choice_names: Sequence[str], requested: str | None) -> str:
    """The embedding model: the one asked for (it must be allowlisted), else an allowlisted `*embed*`."""
    if requested:
        if requested not in choice_names:
            raise InvalidInput(
                f"the embedding model {requested} is not in the key's allowlist",
                "add it to --aliases as well",
            )
        return requested
    for name in choice_names:
        if "embed" in name.lower():
            return name
    raise InvalidInput(
        "no embedding model in the allowlist", "name one with --embedding-model and --aliases"
    )


def check_key_form(secret: str) -> str:
    """A pasted key must look like a GT key; the message never repeats what was pasted."""
    secret = secret.strip()
    if not secret:
        raise InvalidInput(
            "no key was given", "paste the gtak_... secret shown when the key was made"
        )
    if not is_key_form(secret):
        raise InvalidInput(
            "that is not a GT API key (they start with gtak_ and contain no spaces)",
            "copy the whole secret from the tenant's /gt-api page",
        )
    return secret


KEY_PROMPT = "GT key (gtak_…; it is not shown as you paste it): "


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C stops a blocking read from the terminal at once (KeyboardInterrupt). Inside
    asyncio.run, its own SIGINT handler only cancels the task, which a read blocked in the loop's
    thread never sees: the read went on, or ended as if the input had ended (EOFError)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def read_key_stdin(prompt: str = KEY_PROMPT) -> str:
    """`--key-stdin`: the key on stdin. Piped, one line as it comes. On a terminal, the prompt
    on stderr and the key read without echo (getpass's way, on stdin itself), so a pasted key
    never shows on the screen; a key pasted before the prompt is kept, not flushed. End of
    input gives "" (check_key_form then says no key was given); Ctrl-C interrupts."""
    import sys

    stdin = sys.stdin
    if not stdin.isatty():
        return stdin.readline()
    try:
        import termios
    except ImportError:  # no termios (not POSIX): getpass reads the console without echo
        import getpass

        with interruptible():
            return getpass.getpass(prompt, stream=sys.stderr)
    fd = stdin.fileno()
    before = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ECHO | termios.ECHONL)
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        with interruptible():
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
            return stdin.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, before)
        sys.stderr.write("\n")  # the Enter the operator typed was not echoed either
        sys.stderr.flush()


KEY_NAME_MAX = 120


def check_expires_days(days: int | None) -> int | None:
    """A minted key's lifetime in whole days, 1..EXPIRES_DAYS_MAX (None: the tenant's default,
    no expiry sent). 0 or less would mint a key that never expires or that the tenant refuses."""
    if days is None:
        return None
    if not 1 <= days <= EXPIRES_DAYS_MAX:
        raise InvalidInput(
            f"--expires-days must be between 1 and {EXPIRES_DAYS_MAX}, not {days}",
            "give the key's lifetime in days, or leave the flag out for a key without expiry",
        )
    return days


def check_key_name(name: str) -> str:
    """The name the operator gave a key made by hand at /gt-api (`--key-name`): recorded in the
    journal, ledger and profile, so plain text of a sane length, never shaped like a secret."""
    from gtwizard.redact import redact

    name = name.strip()
    if not name or len(name) > KEY_NAME_MAX or not name.isprintable():
        raise InvalidInput(
            f"the key name must be 1-{KEY_NAME_MAX} printable characters",
            "give the name exactly as the tenant's /gt-api page shows it",
        )
    if redact(name) != name:
        raise InvalidInput(
            "that key name looks like a secret; it is never recorded",
            "give the key's name as /gt-api lists it, not the key itself (that goes on stdin)",
        )
    return name


def key_name(profile: str, product: str, now: dt.datetime | None = None) -> str:
    """`gtwizard-<profile>-<product>-<UTC stamp>-<4 hex>.<installation id>`: unique, so a key whose
    mint answer was lost is found by its name alone (two mints in one second must not share one),
    and marked as this installation's (see gtwizard/lifecycle/identity.py)."""
    import secrets as pyrandom

    from gtwizard.lifecycle.identity import installation_id, stamp_name

    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    base = f"gtwizard-{profile}-{product}-{stamp}-{pyrandom.token_hex(2)}"
    return stamp_name(base, installation_id())


async def fetch_published(
    host: TenantHost, operator_token: str, *, ca_bundle: str | Path | None = None
) -> list[tuple[str, str]]:
    """The tenant's published names as (name, kind), through the key-management contract."""
    from gtwizard.gt.keys import KeyManager

    async with KeyManager(host.gt_base, operator_token, ca_bundle=ca_bundle) as manager:
        return [(p.name, p.kind) for p in await manager.published()]


async def mint_key(
    host: TenantHost,
    operator_token: str,
    choice: KeyChoice,
    *,
    name: str,
    expires_at: dt.datetime | None = None,
    ca_bundle: str | Path | None = None,
) -> MintedKey:
    """Mint the key through the key-management contract; the secret is in the result, once."""
    from gtwizard.gt.keys import KeyManager, MintRequest

    request = MintRequest(
        name=name,
        purpose=choice.preset.purpose,
        scopes=choice.scopes,
        agent_aliases=choice.agent_aliases,
        raw_models=choice.raw_models,
        expires_at=expires_at,
    )
    async with KeyManager(host.gt_base, operator_token, ca_bundle=ca_bundle) as manager:
        return await manager.mint(request)


async def mint_journaled(
    host: TenantHost,
    operator_token: str,
    choice: KeyChoice,
    *,
    journal: Journal,
    name: str,
    record: Callable[[KeyState], None],
    expires_at: dt.datetime | None = None,
    ca_bundle: str | Path | None = None,
) -> MintedKey:
    """Mint the way setup and rotation both must: the intent journaled (by the key's unique name)
    and entered in the ledger before the request, and the answer journaled the moment it returns
    (id, prefix mark, dates; `mint:answered` is the fault-injection point just before). A mint that
    provably made nothing (see NOTHING_CREATED) clears its intent again."""
    from gtwizard.fileio import write_off_loop
    from gtwizard.gt.errors import NOTHING_CREATED
    from gtwizard.lifecycle.ledger import KeyState
    from gtwizard.lifecycle.target import prefix_mark
    from gtwizard.testhooks import crash_point

    journal.new_key_name = name
    await write_off_loop(_journal_and_ledger, journal, record, KeyState.INTENT)
    crash_point("mint:intent")
    try:
        minted = await mint_key(
            host, operator_token, choice, name=name, expires_at=expires_at, ca_bundle=ca_bundle
        )
    except NOTHING_CREATED:
        record(KeyState.FORGOTTEN)  # the tenant made no key: nothing to look for later
        journal.new_key_name = None
        journal.save()
        raise
    crash_point("mint:answered")
    journal.new_key_id, journal.new_key_prefix = minted.id, prefix_mark(minted.prefix)
    journal.new_key_created_at = minted.created_at
    journal.new_key_expires_at = minted.expires_at
    await write_off_loop(_journal_and_ledger, journal, record, KeyState.MINTED)
    return minted


def _journal_and_ledger(
    journal: Journal, record: Callable[[KeyState], None], state: KeyState
) -> None:
    """The journal, then the ledger: both durable before the run goes on (off the event loop)."""
    journal.save()
    record(state)


async def verify_key(
    host: TenantHost,
    secret: str,
    expected: Iterable[str],
    *,
    ca_bundle: str | Path | None = None,
) -> list[tuple[str, str]]:
    """`/v1/models` with the key answers 200 and lists exactly the expected names.

    Returns (name, kind) for what the key sees. A name the key sees but should not is an error
    (the allowlist is wider than intended); a missing one too (the key cannot reach it).
    """
    from gtwizard.gt.client import GTClient

    async with GTClient(host.gt_base, secret, ca_bundle=ca_bundle) as client:
        models = await client.list_models()
    seen = {m.id: (m.kind or "") for m in models}
    wanted = set(expected)
    extra = sorted(set(seen) - wanted)
    missing = sorted(wanted - set(seen))
    if extra:
        raise OperationFailed(
            f"the key can see names outside the chosen allowlist: {', '.join(extra)}",
            "narrow the key's allowlist on the tenant's /gt-api page, or mint a new key",
        )
    if missing:
        raise OperationFailed(
            f"the key cannot see {', '.join(missing)}",
            "add them to the key's allowlist on the tenant's /gt-api page, or pick other names",
        )
    return sorted(seen.items())


@dataclass(frozen=True)
class KeyWidth:
    """A pasted (or re-used) key measured against what was chosen for it.

    `extra_*` is what the key can do beyond the choice (the danger); `missing_*` what it cannot
    do that was chosen (it will fail checks). `purpose` is the measured purpose when known.
    """

    source: str
    scopes: tuple[str, ...]
    names: tuple[str, ...]
    extra_scopes: tuple[str, ...] = ()
    extra_names: tuple[str, ...] = ()
    missing_scopes: tuple[str, ...] = ()
    missing_names: tuple[str, ...] = ()
    purpose: str | None = None
    purpose_differs: bool = False
    extra_datasets: tuple[str, ...] = ()
    unmeasured: tuple[str, ...] = ()

    @property
    def wider(self) -> bool:
        """The key can do something the choice did not ask for."""
        return bool(
            self.extra_scopes or self.extra_names or self.purpose_differs or self.extra_datasets
        )

    def describe(self) -> str:
        """One line for the operator (names and scopes only, never the key)."""
        parts = []
        if self.extra_scopes:
            parts.append(f"extra scopes {', '.join(self.extra_scopes)}")
        if self.extra_names:
            parts.append(f"extra names {', '.join(self.extra_names)}")
        if self.purpose_differs:
            parts.append(f"purpose {self.purpose}")
        if self.extra_datasets:
            parts.append(f"datasets {', '.join(self.extra_datasets)}")
        if not parts:
            return f"the key is no wider than chosen (measured by {self.source})"
        return f"the key is wider than chosen (measured by {self.source}): " + "; ".join(parts)


def compare_key(choice: KeyChoice, reach: KeyReach) -> KeyWidth:
    """Measured reach against the choice: what is wider, what is missing."""
    chosen_names = set(choice.names)
    chosen_scopes = set(choice.scopes)
    return KeyWidth(
        source=reach.source,
        scopes=tuple(reach.scopes),
        names=tuple(reach.names),
        extra_scopes=tuple(s for s in reach.scopes if s not in chosen_scopes),
        extra_names=tuple(n for n in reach.names if n not in chosen_names),
        missing_scopes=tuple(
            s for s in choice.scopes if s not in reach.scopes and s not in reach.unmeasured
        ),
        missing_names=tuple(n for n in choice.names if n not in reach.names),
        purpose=reach.purpose,
        purpose_differs=reach.purpose is not None and reach.purpose != choice.preset.purpose,
        # an inference choice never needs a dataset target; upload choices name theirs on /gt-api
        extra_datasets=tuple(reach.datasets or ()) if choice.preset.purpose == "inference" else (),
        unmeasured=tuple(reach.unmeasured),
    )


async def measure_pasted_key(
    host: TenantHost,
    secret: str,
    choice: KeyChoice,
    *,
    operator_token: str | None = None,
    ca_bundle: str | Path | None = None,
    timeout: float = 10.0,
) -> KeyWidth:
    """Read the key's real scopes and allowlists from the tenant and compare them with `choice`.

    With an operator token the tenant's key list is read; without one, the key is probed (its
    model list and one harmless request per scoped route). The caller refuses a `wider` result
    unless the operator explicitly accepts it, and records the measured scopes, not the chosen.
    """
    from gtwizard.gt.measure import measure_key

    reach = await measure_key(
        host.gt_base,
        check_key_form(secret),
        operator_token=operator_token,
        ca_bundle=ca_bundle,
        timeout=timeout,
    )
    return compare_key(choice, reach)


ACCEPT_WIDER_FLAG = "--accept-wider-key"


def refuse_if_wider(width: KeyWidth, *, accept: bool) -> str | None:
    """A key wider than chosen is refused unless the operator accepts it; then the one-line
    record of what was accepted (for the profile, the runbook and JSON)."""
    if not width.wider:
        return None
    if not accept:
        raise InvalidInput(
            f"the pasted key can do more than was chosen: {width.describe()}",
            "make a key with exactly the chosen scopes and names at the tenant's /gt-api page, or "
            f"pass {ACCEPT_WIDER_FLAG} to keep it and record what it can really do",
        )
    return width.describe()


def guided_mint_steps(
    console: str,
    preset: str,
    scopes: Sequence[str],
    names: Sequence[str],
    last: str,
    *,
    copy_hint: str = "",
    paste_where: str = "below",
    key_name: str | None = None,
    then: str | None = None,
) -> list[str]:
    """What to make at the tenant's /gt-api page, one plain-text step a line: the guided way of
    the TUI's Mint and Rotate screens and of `gtwizard rotate` on a terminal. `last` says what
    happens after the paste; `copy_hint` how to copy the address, where there is a way;
    `key_name` the name to type (gtwizard records the key by it); `then` a last step after the
    paste (who revokes the old key)."""
    steps = [f"Open {console} → API Keys → Create API Key{copy_hint}."]
    if key_name:
        steps.append(f"Name: {key_name} (gtwizard records the key by this name).")
    steps += [
        f"Preset: {preset}; scopes: {', '.join(scopes)}.",
        f"Allow exactly: {', '.join(names) or '(none chosen)'}.",
        f"Paste the secret {paste_where} and press Enter; {last}",
    ]
    return [*steps, then] if then else steps
