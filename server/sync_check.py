"""The content check of a pushed event (`Policy.check`): the clinical schemas, the payload alone.

A module of its own, importing only the clinical domain, because the sync engine may run it in
its reading worker process (`sync.offload`), which imports this function and nothing else of
the server.
"""

from __future__ import annotations

from server.clinical.events import check_event
from server.clinical.problems import EventInvalid
from sync.policy import Candidate, Refusal


def check(candidate: Candidate) -> Refusal | None:
    """Why the event's payload is invalid for its kind and schema, or None when it is valid."""
    try:
        check_event(candidate.kind, candidate.schema, candidate.payload)
    except EventInvalid as error:
        return Refusal(error.code, str(error))
    return None
