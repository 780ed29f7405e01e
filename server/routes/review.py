"""Pharmacist review queue and visit pages (issue 6)."""

routes: list = []
