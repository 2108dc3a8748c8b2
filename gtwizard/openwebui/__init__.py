"""Open WebUI targets: its env file and its admin API (no Textual here)."""
