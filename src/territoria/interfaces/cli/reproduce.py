"""CLI commands: reproduce."""
