"""CLI commands: economy."""
