"""The alert rules file as data: thresholds, messages, the vitals schedule and reaction guidance.

Loaded once and passed around (never a global), so an organization's pharmacist can override any number
and tests can use their own. `rules.load_rules` also checks that every rule the code evaluates is there.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.clinical.authority import EntryAuthority

if TYPE_CHECKING:
    from server.clinical.products import Catalog


Severity = Literal["info", "warning", "critical"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class VitalsSchedule(_Strict):
    """When vital signs are due (minutes); an order may override any of these for its patient."""

    titrating_every_min: float = Field(gt=0)
    at_max_every_min: float = Field(gt=0)
    increase_window_min: float = Field(ge=0)
    completion_window_min: float = Field(ge=0)
    observation_min: float = Field(ge=0)
    observation_min_high_risk: float = Field(ge=0)
    grace_min: float = Field(ge=0)
    source: str = ""


class InfusionSeries(_Strict):
    """When an infusion starts a new series (first-infusion protocol, longer observation): a gap since the
    last completed infusion of more than `long_gap_days` (CLINICAL 1.1: "gap > 8 weeks")."""

    long_gap_days: float = Field(gt=0)
    source: str = Field(min_length=1)


class AppliesTo(_Strict):
    """The visits a rule runs on: their therapy and their protocol's kind (products.json declares both)."""

    therapies: list[str] = Field(min_length=1)
    protocol_kinds: list[str] = Field(min_length=1)


class RuleSpec(_Strict):
    """One alert rule as an organization configures it: code (rules.RULE_CODE) or an expression
    (`when` over the facts of each `each` entry that data/facts.json declares), and the visits it applies to."""

    id: str
    applies_to: AppliesTo
    severity: Severity
    enabled: bool
    message: str
    thresholds: dict[str, float]
    supersedes: list[str] = Field(default_factory=list)
    source: str = Field(min_length=1)
    each: str | None = None
    when: str | None = None
    values: dict[str, str] = Field(default_factory=dict)


class ReactionTier(_Strict):
    """Suggested actions for reactions of some grades (shown and recorded, never automatic)."""

    grades: list[int]
    tier: str
    when: str
    actions: list[str]
    source: str


RULES_SCHEMA = 3
"""The rules file's shape this code reads; a tablet with older code keeps what it can of a newer one."""


class RuleBook(_Strict):
    """The rules file as loaded (ids unique; `rules.load_rules` also checks it against the code)."""

    schema_: int = Field(alias="schema", ge=1, le=RULES_SCHEMA)
    version: str = Field(min_length=1)
    about: str = ""
    rate_tolerance_ml_h: float = Field(ge=0)
    late_entry_min: float = Field(gt=0)
    vitals_schedule: VitalsSchedule
    infusion_series: InfusionSeries
    entry_authority: EntryAuthority
    rules: list[RuleSpec]
    reaction_tiers: list[ReactionTier]

    @model_validator(mode="after")
    def _ids_are_unique(self) -> RuleBook:
        ids = [rule.id for rule in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return self

    def suggested_actions(self, grade: int) -> ReactionTier | None:
        """The guidance tier for a reaction grade, if the data covers that grade."""
        for tier in self.reaction_tiers:
            if grade in tier.grades:
                return tier
        return None


def parse_rulebook(data: Mapping[str, Any] | None = None) -> RuleBook:
    """The rules file from `data` (same shape as data/rules.json) or the packaged file."""
    if data is None:
        text = resources.files("server.clinical").joinpath("data/rules.json").read_text("utf-8")
        data = json.loads(text)
    return RuleBook.model_validate(data)


def vitals_schedule_from(base: VitalsSchedule, overrides: Mapping[str, Any] | None) -> VitalsSchedule:
    """A patient's schedule: the organization's, with the order's overrides (checked like the file)."""
    if not overrides:
        return base
    return VitalsSchedule.model_validate({**base.model_dump(), **overrides})


def check_applies_to(book: RuleBook, catalog: Catalog) -> None:
    """Every therapy and protocol kind a rule names is one the products data declares."""
    for spec in book.rules:
        for field, named, declared in (("therapies", spec.applies_to.therapies, catalog.therapies),
                                       ("protocol_kinds", spec.applies_to.protocol_kinds, catalog.protocol_kinds)):
            unknown = sorted(set(named) - declared)
            if unknown:
                raise ValueError(f"rules data: rule {spec.id!r} applies_to.{field} names undeclared {unknown}")
