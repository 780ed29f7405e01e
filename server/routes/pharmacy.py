"""Pharmacist pages: patients and their orders."""

routes: list = []
