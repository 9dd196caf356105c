"""CLI commands: typology."""
