"""One module per wizard screen: render state, collect input, run core calls in workers."""
