"""Where a key is applied: the protocol (base), every target as data (registry), and one
module per product (openwebui, ...)."""
