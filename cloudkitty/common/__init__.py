"""Helpers shared by the API and the processor."""
