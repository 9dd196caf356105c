"""CLI commands: groups."""
