"""The ordinary Open WebUI user a proof acts as: made through the admin API, signed in, removed.

An admin's view proves nothing for users (admins see every model), so checks and the targets'
proofs chat as a user with role "user": the operator's own test user, or a temporary one made
here and deleted again afterwards.
"""

from __future__ import annotations

import secrets as _random
from typing import TYPE_CHECKING

from gtwizard.errors import OperationFailed

if TYPE_CHECKING:
    from gtwizard.openwebui.admin import OpenWebUIAdmin

TEMP_USER_DOMAIN = "gtwizard.test"


async def add_temporary_user(admin: OpenWebUIAdmin) -> tuple[str, str, str]:
    """A new ordinary user through the admin API: (its id, e-mail, password)."""
    email = f"gtwizard-check-{_random.token_hex(4)}@{TEMP_USER_DOMAIN}"
    password = _random.token_urlsafe(18)
    user_id = await admin.add_user("gtwizard check", email, password)
    return user_id, email, password


async def sign_in_ordinary(client: OpenWebUIAdmin, email: str, password: str) -> str:
    """Sign in as `email` (client without a token); refused when that account is an admin."""
    token = await client.signin(email, password)
    me = await client.whoami()
    if me.get("role") == "admin":
        raise OperationFailed(
            f"the test user {email} is an admin: an admin's view proves nothing for users",
            "use --test-user with an ordinary (role user) account",
        )
    return token
