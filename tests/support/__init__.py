"""What the tests share: fixtures, drivers for the TUI and the CLI, real-service starters,
and the key-lifecycle invariant checks. Imported as `support.<module>`."""
