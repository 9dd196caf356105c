"""CLI commands: web."""
