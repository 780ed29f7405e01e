"""Hostile-input tests reuse the review fixtures: tablets that push scripted visits, a pharmacist's
desk and CSRF-valid form posts."""

from tests.review.conftest import desk, post_form, projected, push_visit, tablet_for  # noqa: F401 (fixtures)
from tests.api.conftest import scheduled_visit, tablet_ana  # noqa: E402,F401 (fixtures)
