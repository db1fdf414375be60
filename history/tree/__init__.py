"""One kernel revision as files, and what the workbench reads from it (with evidence)."""
