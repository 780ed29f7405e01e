"""Thin handlers: parse, authorize, call a service, render. One module per area."""
