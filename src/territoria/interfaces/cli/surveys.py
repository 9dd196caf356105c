"""CLI commands: surveys."""
