"""CLI commands: taldau."""
