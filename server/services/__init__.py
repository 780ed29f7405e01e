"""Use cases: each takes the acting user explicitly and returns plain results."""
