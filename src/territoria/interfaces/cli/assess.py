"""CLI commands of the assessment engine: ``compute``, ``assess``."""
