"""Which credential may go where: a token belongs to one place (DESIGN §6d).

An operator token belongs to one tenant; an Open WebUI admin credential to one Open WebUI. Both
can come from the environment (GTWIZARD_OPERATOR_TOKEN, GTWIZARD_OPENWEBUI_TOKEN), read once at the
edge of a run into `Settings`, or be kept with a profile (`--keep-operator-token`,
`--keep-admin-token`). The rule, in `credential_for` and nowhere else:

- a credential kept with a profile goes only with that profile (its own tenant or Open WebUI);
- a credential from the environment goes to a place only when the run involves exactly one such
  place, or when its binding variable names that place (GTWIZARD_OPERATOR_TOKEN_HOST for the
  tenant, GTWIZARD_OPENWEBUI_TOKEN_URL for the Open WebUI). When the binding names a place, the
  credential never goes anywhere else, even in a run with only one place.
- otherwise it is withheld, and the run says which profiles need which credential.

"The run involves" means every place of the profiles (or hosts) the command covers, not only those
it ends up talking to: `rotate --due` on a fleet of two tenants withholds an unbound token even on
a day when only one tenant's keys are due, so a timer does not work on some days and not others.

This module is the one place that reads the credential variables from the environment (`env_token`,
`Settings.from_environ`, `test_password`); the folders are read in gtwizard/paths.py, the
test-crash hooks in gtwizard/testhooks.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gtwizard.errors import GtwizardError, InvalidInput
from gtwizard.gt.contract import OPERATOR_TOKEN_ENV
from gtwizard.kinds import TargetKind

if TYPE_CHECKING:
    from gtwizard.profiles import Profile

OPERATOR_TOKEN_HOST_ENV = "GTWIZARD_OPERATOR_TOKEN_HOST"
OPENWEBUI_TOKEN_ENV = "GTWIZARD_OPENWEBUI_TOKEN"
OPENWEBUI_TOKEN_URL_ENV = "GTWIZARD_OPENWEBUI_TOKEN_URL"
TEST_PASSWORD_ENV = "GTWIZARD_OPENWEBUI_TEST_PASSWORD"


@dataclass(frozen=True)
class Kind:
    """One kind of credential: its variables and what its places are called."""

    what: str  # "operator token"
    env: str  # the variable holding it
    bound_env: str  # the variable naming the place it belongs to
    place_word: str  # "tenant" or "Open WebUI"


OPERATOR = Kind("operator token", OPERATOR_TOKEN_ENV, OPERATOR_TOKEN_HOST_ENV, "tenant")
OPENWEBUI = Kind(
    "Open WebUI admin credential", OPENWEBUI_TOKEN_ENV, OPENWEBUI_TOKEN_URL_ENV, "Open WebUI"
)
# the LiteLLM proxy's master key, when its config does not name it (gtwizard.targets.litellm_proxy)
LITELLM = Kind(
    "LiteLLM master key", "GTWIZARD_LITELLM_MASTER_KEY", "GTWIZARD_LITELLM_URL", "LiteLLM proxy"
)


def tenant_place(text: str) -> str:
    """A tenant host as a comparable place: `host[:port]`, however it was written (a bare host, a
    URL, with /api/tenant or not), as GTWIZARD_OPERATOR_TOKEN_HOST is meant to be set."""
    from gtwizard.tenant import parse_host

    return parse_host(text).netloc


def openwebui_place(url: str) -> str:
    """An Open WebUI URL as a comparable place: scheme and host lowercased, the default port
    dropped, the path kept without its trailing slash."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text if "://" in text else "https://" + text)
        port = parts.port
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not an Open WebUI URL", "give it as https://chat.example.com"
        ) from None
    scheme = (parts.scheme or "https").lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidInput(
            f"{text!r} is not an Open WebUI URL", "give it as https://chat.example.com"
        )
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != {"https": 443, "http": 80}.get(scheme):
        shown += f":{port}"
    return f"{scheme}://{shown}{parts.path.rstrip('/')}"


def env_token(kind: Kind, environ: Mapping[str, str] | None = None) -> str | None:
    """The `kind` of credential in the environment, whatever place it is bound to (None: unset or
    blank). Only whether one is at hand: to send it anywhere, go through `Settings` and
    `credential_for`."""
    env = os.environ if environ is None else environ
    return env.get(kind.env, "").strip() or None


def test_password(environ: Mapping[str, str] | None = None) -> str | None:
    """The Open WebUI test user's password for `check --test-user` (never from argv)."""
    env = os.environ if environ is None else environ
    return env.get(TEST_PASSWORD_ENV) or None


@dataclass(frozen=True)
class EnvCredential:
    """A credential from the environment and the place its binding variable names (if any)."""

    kind: Kind
    token: str | None = field(default=None, repr=False)
    bound: str | None = None


@dataclass(frozen=True)
class Settings:
    """The credentials of the environment, read once where a run starts."""

    operator: EnvCredential = EnvCredential(OPERATOR)
    openwebui: EnvCredential = EnvCredential(OPENWEBUI)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the four variables; a binding variable that names no valid place is refused."""
        env = os.environ if environ is None else environ

        def read(kind: Kind, place: Any) -> EnvCredential:
            token = env_token(kind, env)
            named = env.get(kind.bound_env, "").strip()
            if not named:
                return EnvCredential(kind, token)
            try:
                return EnvCredential(kind, token, place(named))
            except GtwizardError as exc:
                raise InvalidInput(
                    f"{kind.bound_env} does not name a {kind.place_word}: {exc.message}",
                    f"set it to the {kind.place_word} the {kind.what} in {kind.env} belongs to",
                ) from None

        return cls(read(OPERATOR, tenant_place), read(OPENWEBUI, openwebui_place))


@dataclass(frozen=True)
class Grant:
    """What may go to one place: the token, or why the environment's was withheld."""

    place: str
    token: str | None = field(default=None, repr=False)
    withheld: str | None = None  # one line, when an environment credential was not sent here


def credential_for(cred: EnvCredential, place: str, involved: Iterable[str]) -> Grant:
    """THE rule: may the environment's credential go to `place`, in a run involving `involved`?"""
    kind = cred.kind
    if not cred.token:
        return Grant(place)
    if cred.bound is not None:
        if cred.bound == place:
            return Grant(place, cred.token)
        return Grant(
            place,
            withheld=f"{kind.env} belongs to {cred.bound} ({kind.bound_env}), not to {place}",
        )
    places = sorted({*involved, place})
    if len(places) == 1:
        return Grant(place, cred.token)
    return Grant(
        place,
        withheld=f"{kind.env} is not sent to {place}: this run involves {len(places)} "
        f"{kind.place_word}s ({', '.join(places)}) and a credential belongs to one; name its "
        f"{kind.place_word} in {kind.bound_env}",
    )


def _place_or_text(place: Any, text: str) -> str:
    try:
        return str(place(text))
    except GtwizardError:
        return text  # a broken value: the profile fails on its own; here it is just a place


def profile_tenant(profile: Any) -> str:
    return _place_or_text(tenant_place, str(profile.tenant_host))


def openwebui_url_of(profile: Profile) -> str | None:
    """The admin-API target, or an Open WebUI URL recorded next to an env-file target."""
    if profile.target_kind == TargetKind.ADMIN_API and profile.target_place:
        return profile.target_place
    url = profile.openwebui_url
    return url if isinstance(url, str) and url else None


def profile_openwebui(profile: Any) -> str | None:
    url = openwebui_url_of(profile)
    return _place_or_text(openwebui_place, url) if url else None


@dataclass(frozen=True)
class Scope:
    """Every place a run involves: the tenants and Open WebUIs of the profiles it covers."""

    tenants: frozenset[str] = frozenset()
    openwebuis: frozenset[str] = frozenset()

    @classmethod
    def of_profiles(cls, profiles: Iterable[Any], hosts: Iterable[str] = ()) -> Scope:
        chosen = list(profiles)
        tenants = {profile_tenant(p) for p in chosen} | {
            _place_or_text(tenant_place, h) for h in hosts
        }
        owuis = {url for url in (profile_openwebui(p) for p in chosen) if url}
        return cls(frozenset(tenants), frozenset(owuis))


@dataclass(frozen=True)
class ProfileGrants:
    """The environment's credentials as they may go to one profile's places."""

    profile: str
    operator: Grant
    openwebui: Grant
    operator_kept: bool = False  # the profile keeps its own operator token
    admin_kept: bool = False  # the profile keeps its own Open WebUI admin credential

    @property
    def needs_operator(self) -> str | None:
        """Why this profile has no operator token in this run (None when it has one or keeps
        one)."""
        return None if self.operator_kept else self.operator.withheld

    @property
    def needs_openwebui(self) -> str | None:
        return None if self.admin_kept else self.openwebui.withheld


def grants_for(
    settings: Settings, profile: Any, scope: Scope | None = None, openwebui_url: str | None = None
) -> ProfileGrants:
    """The credentials of the environment that may go with this profile, in a run of `scope`
    (None: a run of this profile alone; `openwebui_url`: the Open WebUI this run was told to use
    for it, instead of the one the profile records)."""
    tenant = profile_tenant(profile)
    owui = openwebui_place(openwebui_url) if openwebui_url else profile_openwebui(profile)
    if scope is None:
        scope = Scope(frozenset({tenant}), frozenset({owui} if owui else ()))
    return ProfileGrants(
        profile=str(profile.name),
        operator=credential_for(settings.operator, tenant, scope.tenants),
        openwebui=(
            credential_for(settings.openwebui, owui, scope.openwebuis) if owui else Grant("", None)
        ),
        operator_kept=bool(profile.operator_token_kept),
        admin_kept=bool(getattr(profile, "admin_token_kept", False)),
    )


def needs_summary(needs: Iterable[tuple[str, Kind, str]]) -> list[str]:
    """ "Which profiles need which credential": (profile, kind, place) grouped by credential and
    place, one line each, saying how to give it."""
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    for profile, kind, place in needs:
        grouped.setdefault((kind.what, kind.env, kind.bound_env, place), []).append(profile)
    lines = []
    for (what, env, bound_env, place), names in grouped.items():
        lines.append(
            f"the {what} of {place} is needed by {', '.join(sorted(names))}: run them with it in "
            f"{env} and {bound_env}={place}"
        )
    return lines
