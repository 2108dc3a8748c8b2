"""The setup steps as core functions, shared by the TUI screens and `gtwizard setup`.

Order matters and is the same in both front ends: everything that can fail without side effects
(host, names, storage probe, target preflight) runs before a key is minted; after minting, the key
is stored at once; if a later step fails, what was done is undone (the new key revoked, its stored
copy deleted), so nothing is left half-configured.
"""
