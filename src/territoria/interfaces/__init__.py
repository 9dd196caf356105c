"""Interfaces (CLI, web): they call the method, never the other way."""
