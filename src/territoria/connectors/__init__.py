"""Connectors to official online databases (network access is optional; every answer is cached raw)."""
