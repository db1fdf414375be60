"""git, read-only and inert: the chokepoint, the pre-flight check, repositories, queries."""
