"""Who may write which entry kind, and who may amend or void which entry: ONE table, as data.

The table is the `entry_authority` section of data/rules.json. The server's push check reads it (with
the pusher's role), the server's fold (corrections.py) reads it, and so does the tablet's fold
(pwa/rules/corrections.js), which receives rules.json in /api/reference. The fold knows authors, not
roles, and needs no more: a correction applies only when its author wrote the target, and only roles
in `written_by` can have written it (the push checks that), so an entry always shows its own
author's words. A correction by anyone else is listed, never applied.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from server.clinical.problems import Problem

Who = Literal["author", "never"]
CORRECTION_ACTIONS = {"entry.amended": "amend", "entry.voided": "void"}


class KindAuthority(BaseModel):
    """One row: the roles that may write the kind; who may amend it, who may void it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    written_by: list[str]
    amend: Who
    void: Who


class EntryAuthority(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    about: str = ""
    kinds: dict[str, KindAuthority]

    def may_write(self, role: str, kind: str) -> bool:
        row = self.kinds.get(kind)
        return row is not None and role in row.written_by

    def correction_problem(self, correction_kind: str, target_kind: str, *, target_author: Any,
                           corrector: Any) -> Problem | None:
        """Why `corrector` may not apply this correction to an entry of `target_kind` by `target_author`."""
        row = self.kinds.get(target_kind)
        if row is None or getattr(row, CORRECTION_ACTIONS[correction_kind]) == "never":
            message = f"A '{target_kind}' entry cannot be corrected this way; add a new entry instead"
            return Problem("target_id", message, "not_correctable")
        if target_author != corrector:
            message = "Only the person who recorded an entry can correct it; add a new entry instead"
            return Problem("target_id", message, "not_author")
        return None


def packaged_authority() -> EntryAuthority:
    """The table of the packaged rules.json (for callers that have no rule book at hand)."""
    from server.clinical.rulebook import parse_rulebook  # rulebook imports this module

    return parse_rulebook().entry_authority
