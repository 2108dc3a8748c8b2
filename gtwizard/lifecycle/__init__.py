"""The key lifecycle shared by setup and rotation: a per-profile lock, the key ledger, the journal.

Setup is a rotation from nothing and re-setup is a rotation, so both keep the same promises
(DESIGN §6b): no live key that nothing refers to, no client left on a revoked key, no old key
revoked before the new one is proven where the client uses it, and reports that say what exists.
Nothing here imports Textual; HTTP goes through gtwizard.gt only where the tenant must be asked
(reconcile, revoke: a revocation is journaled as intent before it is sent).
"""
