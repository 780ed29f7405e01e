"""Problems found in an event, and the exception that carries them.

A `Problem` names the field (a dotted path into the payload, or "" for the whole event), says what is
wrong in words a nurse understands, and carries a stable `code` that programs switch on (never the text).

Codes for the whole event (`EventInvalid.code`):
  unknown_kind      the kind is not one ivlog knows
  newer_schema      the entry was written by a newer app than this server understands
  unknown_schema    an old schema number with no upcaster
  invalid_payload   the payload breaks its schema (the problems say where)

Codes for one field:
  missing, extra_field, wrong_type, not_allowed, too_long, too_short, out_of_range,
  bp_incomplete, dbp_not_below_sbp, no_measurement, conflicting_findings, required_for_new_line,
  next_rate_mismatch, invalid_value

Codes from `context_problems` (the event does not fit the visit's other events):
  no_running_infusion, not_paused, already_running, unknown_target, not_correctable,
  already_voided, patient_changed, unknown_reaction (a resolution naming no earlier reaction: resolutions.py)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an event: where, what (for people) and a stable code (for programs)."""

    field: str
    message: str
    code: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class EventInvalid(ValueError):
    """An event that cannot be accepted as it is; `problems` lists every reason found."""

    def __init__(self, code: str, problems: list[Problem]) -> None:
        self.code = code
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))
