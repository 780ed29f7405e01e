"""Physician summaries: HTML, PDF and FHIR (issue 6)."""

routes: list = []
