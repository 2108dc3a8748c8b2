"""A private CA and server certificate for the HTTPS sandbox, so TLS verification is real.

The CA certificate is written as PEM for clients (`ca_file`); the server key stays in memory. With
a state file the CA is kept next to it, so a client that saved the CA path keeps trusting a
restarted sandbox. `cert_mode` makes deliberately broken certificates for failure tests.
"""

from __future__ import annotations

import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

CERT_MODES = ("valid", "expired", "wrong_host")
SERVER_NAMES = ("127.0.0.1", "::1", "localhost")
WRONG_HOST = "not-this-host.invalid"


def _load_or_create_ca(directory: Path, persist: bool):  # -> trustme.CA
    import trustme

    cert_path, key_path = directory / "sandbox-ca.pem", directory / "sandbox-ca.key"
    if persist and cert_path.exists() and key_path.exists():
        return trustme.CA.from_pem(cert_path.read_bytes(), key_path.read_bytes())
    ca = trustme.CA(organization_name="gtwizard sandbox")
    if persist:
        from gtwizard.fileio import atomic_write

        atomic_write(key_path, ca.private_key_pem.bytes(), backup=False)
    return ca


def make_server_context(
    cert_mode: str = "valid", directory: Path | None = None
) -> tuple[ssl.SSLContext, Path]:
    """Return a server SSL context and the CA file a client must trust.

    `directory` is where the CA lives between runs (next to the state file); without it a fresh
    private temp dir is used.
    """
    if cert_mode not in CERT_MODES:
        raise ValueError(f"cert_mode must be one of {', '.join(CERT_MODES)}")
    persist = directory is not None
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="gtwizard-sandbox-tls-"))
    from gtwizard.paths import ensure_private_dir

    ensure_private_dir(directory)
    ca = _load_or_create_ca(directory, persist)
    ca_file = directory / "sandbox-ca.pem"
    from gtwizard.fileio import atomic_write

    atomic_write(ca_file, ca.cert_pem.bytes(), mode=0o644, backup=False)
    if cert_mode == "wrong_host":
        leaf = ca.issue_cert(WRONG_HOST)
    elif cert_mode == "expired":
        now = datetime.now(UTC)
        leaf = ca.issue_cert(
            *SERVER_NAMES, not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
        )
    else:
        leaf = ca.issue_cert(*SERVER_NAMES)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context, ca_file
