"""The alert rules file as data: thresholds, messages, the vitals schedule, reaction guidance, and who
may write and correct each entry kind; and what a coded rule reports.

Loaded once and passed around (never a global), so an organization's pharmacist can override any number
and tests can use their own. `rules.load_rules` also checks that every rule the code evaluates is there.

Who may write which entry kind, and who may amend or void which entry, is ONE table: `entry_authority`.
The server's push check reads it (with the pusher's role), the server's fold (corrections.py) reads it,
and so does the tablet's fold (pwa/rules/corrections.js), which receives rules.json in /api/reference.
The fold knows authors, not roles, and needs no more: a correction applies only when its author wrote
the target, and only roles in `written_by` can have written it (the push checks that), so an entry
always shows its own author's words. A correction by anyone else is listed, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Mapping, Union

from pydantic import BaseModel, ConfigDict

from server.clinical.problems import Problem
from server.clinical.shapes import checker, data_file

if TYPE_CHECKING:
    from server.clinical.picture import Picture
    from server.clinical.products import Catalog, Protocol


Severity = Literal["info", "warning", "critical"]
Who = Literal["author", "never"]
CORRECTION_ACTIONS = {"entry.amended": "amend", "entry.voided": "void"}


class _View(BaseModel):
    """The rules file as this code reads it, once data/rules.schema.json has checked it and filled in its
    defaults (the tablet checks the same schema): the shape and its bounds are there, not here."""

    model_config = ConfigDict(frozen=True)


class KindAuthority(_View):
    """One row: the roles that may write the kind; who may amend it, who may void it."""

    written_by: list[str]
    amend: Who
    void: Who


class EntryAuthority(_View):
    about: str
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


class VitalsSchedule(_View):
    """When vital signs are due (minutes); an order may override any of these for its patient."""

    titrating_every_min: float
    at_max_every_min: float
    increase_window_min: float
    completion_window_min: float
    observation_min: float
    observation_min_high_risk: float
    grace_min: float
    source: str


class InfusionSeries(_View):
    """When an infusion starts a new series (first-infusion protocol, longer observation)."""

    long_gap_days: float
    source: str


class AppliesTo(_View):
    """The visits a rule runs on: their therapy and their protocol's kind (products.json declares both)."""

    therapies: list[str]
    protocol_kinds: list[str]


class RuleSpec(_View):
    """One alert rule as an organization configures it: code (rules.RULE_CODE) or an expression
    (`when` over the facts of each `each` entry that data/facts.json declares), and the visits it applies to."""

    id: str
    applies_to: AppliesTo
    severity: Severity
    enabled: bool
    message: str
    thresholds: dict[str, float]
    supersedes: list[str]
    source: str
    each: str | None
    when: str | None
    values: dict[str, str]
    judged: Literal["when_made", "while_running", "when_closed", "at_the_end"] = "when_made"  # which orders an entry is judged by (server.services.orders_in_force)


class ReactionTier(_View):
    """Suggested actions for reactions of some grades (shown and recorded, never automatic)."""

    grades: list[int]
    tier: str
    when: str
    actions: list[str]
    source: str
    pump: Literal["slow", "interrupt"] = "slow"  # the step advice while such a reaction is ongoing (titration.py)
    actions_by_protocol_kind: dict[str, list[str]] = {}  # where a kind has no ladder to slow down (schema 6)


RULES_SCHEMA = 6
"""The rules file's shape this code reads; a tablet with older code keeps what it can of a newer one."""
_FILE, _SCHEDULE = checker("rules"), checker("rules", "vitals_schedule")


class RuleBook(_View):
    """The rules file as loaded (ids unique; `rules.load_rules` also checks it against the code)."""

    version: str
    rate_tolerance_ml_h: float
    late_entry_min: float
    vitals_schedule: VitalsSchedule
    infusion_series: InfusionSeries
    entry_authority: EntryAuthority
    rules: list[RuleSpec]
    reaction_tiers: list[ReactionTier]

    def suggested_actions(self, grade: int) -> ReactionTier | None:
        """The guidance tier for a reaction grade, if the data covers that grade."""
        return next((tier for tier in self.reaction_tiers if grade in tier.grades), None)


def applies(spec: RuleSpec, protocol: Protocol) -> bool:
    """The rule runs on this pump: enabled, for its therapy and its protocol's kind (the alerts, and the
    vital-sign schedule's countdown, ask it alike)."""
    scope = spec.applies_to
    return spec.enabled and protocol.therapy in scope.therapies and protocol.kind in scope.protocol_kinds


def parse_rulebook(data: Mapping[str, Any] | None = None) -> RuleBook:
    """The rules file from `data` (same shape as data/rules.json) or the packaged file."""
    doc = _FILE(data_file("rules.json") if data is None else data, "rules")
    if doc["schema"] > RULES_SCHEMA:
        raise ValueError(f"rules.schema: must be at most {RULES_SCHEMA} (the newest this code reads)")
    ids = [rule["id"] for rule in doc["rules"]]
    if len(set(ids)) != len(ids):
        raise ValueError("rule ids must be unique")
    return RuleBook.model_validate(doc)


@lru_cache(maxsize=1)
def packaged_authority() -> EntryAuthority:
    """The table of the packaged rules.json (for callers that have no rule book at hand): read once, as
    checking the file against its schema takes milliseconds (the table is frozen)."""
    return parse_rulebook().entry_authority


def vitals_schedule_from(base: VitalsSchedule, overrides: Mapping[str, Any] | None) -> VitalsSchedule:
    """A patient's schedule: the organization's, with the order's overrides (checked like the file)."""
    if not overrides:
        return base
    return VitalsSchedule.model_validate(_SCHEDULE({**base.model_dump(), **overrides}, "order.vitals_schedule"))


def check_applies_to(book: RuleBook, catalog: Catalog) -> None:
    """Every therapy and protocol kind a rule names is one the products data declares."""
    for spec in book.rules:
        for section, named, declared in (("therapies", spec.applies_to.therapies, catalog.therapies),
                                         ("protocol_kinds", spec.applies_to.protocol_kinds, catalog.protocol_kinds)):
            unknown = sorted(set(named) - declared)
            if unknown:
                raise ValueError(f"rules data: rule {spec.id!r} applies_to.{section} names undeclared {unknown}")


# What a coded rule reports before the engine turns it into an alert: the entries it is about and values.
# A rule's code is a function named as its rule id, taking the picture and the rule's row of rules.json.
Value = Union[str, float, int]


@dataclass(frozen=True)
class Finding:
    """event_ids[0] is the entry the alert belongs to (its id is "{rule}:{event_ids[0]}")."""

    event_ids: tuple[str, ...]
    values: Mapping[str, Value] = field(default_factory=dict)


Evaluator = Callable[["Picture", "RuleSpec"], Iterable[Finding]]


def by_name(*rules: Evaluator) -> dict[str, Evaluator]:
    """The rules keyed by rule id (each function is named as its rule)."""
    return {rule.__name__: rule for rule in rules}
