"""One module per wizard screen. Screens render state, collect input and run core calls in workers."""
