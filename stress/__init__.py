"""Reliability campaigns against the real server: `python -m stress crash|backup` (see README)."""
