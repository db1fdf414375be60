"""One module per top-level mode, each with its .tcss beside it."""
