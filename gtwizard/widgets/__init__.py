"""Reusable widgets (Textual lives only here, in screens/ and in app.py)."""
