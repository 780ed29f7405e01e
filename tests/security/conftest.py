"""Fixtures of the security campaigns: the review tests' tablets, desk and form posts."""

from tests.api.conftest import projected  # noqa: F401 (fixtures, shared)
from tests.review.conftest import desk, post_form, push_visit, tablet_for  # noqa: F401
