"""C source read with tree-sitter-c: functions, calls, comments, tables, ``#if`` branches."""
