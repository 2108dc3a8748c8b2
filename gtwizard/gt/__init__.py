"""Talking to a tenant's GT API: inference client, key management, host probe.

Import the submodules you need (`gtwizard.gt.client`, `gtwizard.gt.keys`, ...); this package itself
imports nothing so that `import gtwizard` never pulls in httpx.
"""
