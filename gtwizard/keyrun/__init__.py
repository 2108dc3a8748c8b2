"""The key runs' one engine: setup (a run from nothing) and rotation (from an old key) advance
their declared steps through `engine.advance`."""
