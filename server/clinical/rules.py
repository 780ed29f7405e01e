"""The alert engine: run every enabled rule of the rule book over a visit's clinical picture.

Each rule's code (rate_rules, visit_rules, schedule) or CEL expression (expressions.py: threshold rules,
data alone) reports findings; the engine turns them into alerts with a deterministic id, "{rule}:{first
event id}", so the tablet and the server name the same alert the same way, fills the message template
from the data file, and drops alerts that a stronger rule on the same entry supersedes (fever_severe
over fever).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any, Callable, Mapping

from server.clinical import expressions
from server.clinical.events import PAYLOAD_MODELS
from server.clinical.rate_rules import RATE_RULES, RULE_THRESHOLDS
from server.clinical.rounding import format_number
from server.clinical.rulebook import Evaluator, Finding, RuleBook, RuleSpec, Severity, Value, applies, parse_rulebook
from server.clinical.schedule import SCHEDULE_RULES
from server.clinical.visit_rules import VISIT_RULES

if TYPE_CHECKING:
    from server.clinical.picture import Picture
    from server.clinical.visit_context import Order

RULE_CODE: dict[str, Evaluator] = {**RATE_RULES, **VISIT_RULES, **SCHEDULE_RULES}
# The rules that judge each order's pump, not only the primary's: the rate rules; what each start needs (a
# usable vial of that order's product, a passed kit check, baseline vital signs); that order's premedications;
# the vital signs its run calls for (the cadence, around each increase, at its stop), where they apply to it; its pump
# reading at a stop against its own rates (a walk's saline read "pump 500 mL · 16.2 mL infused" with no alert);
# where its start and its rises stand against its step table (those three are data).
PUMP_RULES = frozenset({*RATE_RULES, "start_not_ready", "kit_missing", "premed_missing", "vitals_baseline_missing",
                        "vitals_overdue", "vitals_at_increase_missing", "vitals_completion_missing",
                        "start_rate_high", "start_rate_skips_steps", "rate_skips_steps", "pump_volume_far_from_rates"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Alert:
    id: str
    rule: str
    severity: Severity
    message: str
    event_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "event_ids": list(self.event_ids)}


def load_rules(data: Mapping[str, Any] | None = None) -> RuleBook:
    """The rule book from `data` (same shape as data/rules.json) or the packaged file, checked against
    the code: every coded rule present exactly once with the thresholds its code reads, every other rule
    an expression this code can evaluate."""
    book = parse_rulebook(data)
    coded = {spec.id for spec in book.rules if spec.when is None}
    if coded != set(RULE_CODE):
        missing, unknown = set(RULE_CODE) - coded, coded - set(RULE_CODE)
        raise ValueError(f"rules data: missing {sorted(missing)}, unknown {sorted(unknown)}")
    for spec in book.rules:
        if spec.when is not None:
            expressions.check_rule(spec)
    for spec in book.rules:
        absent = set(RULE_THRESHOLDS.get(spec.id, ())) - set(spec.thresholds)
        if absent:
            raise ValueError(f"rules data: rule {spec.id!r} lacks thresholds {sorted(absent)}")
    kinds = set(book.entry_authority.kinds)
    if kinds != set(PAYLOAD_MODELS):
        missing, unknown = set(PAYLOAD_MODELS) - kinds, kinds - set(PAYLOAD_MODELS)
        raise ValueError(f"rules data: entry_authority lacks kinds {sorted(missing)}, unknown {sorted(unknown)}")
    return book


def render_message(template: str, values: Mapping[str, Value]) -> str:
    """Fill {name} placeholders; numbers are written half-up to 0.01 without trailing zeros."""
    def text(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return value if isinstance(value, str) else format_number(value, 2)
    return _PLACEHOLDER.sub(text, template)


def _alert(spec: RuleSpec, finding: Finding, order: Order | None, product: str) -> Alert:
    """`order`: the additional order whose pump the alert is about (None: the visit's), named before the
    message and in the id, so two pumps of one product each keep their alert on a lot both see."""
    values = {**spec.thresholds, **finding.values}
    about, tag = ("", "") if order is None else (f"{product} (order {order.id}): ", f":order-{order.id}")
    return Alert(f"{spec.id}:{finding.event_ids[0]}{tag}", spec.id, spec.severity,
                 about + render_message(spec.message, values), finding.event_ids)


def _without_superseded(alerts: list[Alert], active: list[RuleSpec]) -> list[Alert]:
    fired = {(alert.rule, alert.event_ids[0]) for alert in alerts}
    return [alert for alert in alerts
            if not any((spec.id, alert.event_ids[0]) in fired and alert.rule in spec.supersedes for spec in active)]


def evaluate_alerts(picture: Picture) -> list[Alert]:
    """Alerts of the rules that apply to the visit, ordered by the fold position of their entry, then by
    rule id. Each additional order's pump is judged too, by the pump's rules (PUMP_RULES) that apply to
    that order's protocol, against its own limits (Picture.order_pictures)."""
    alerts = _alerts(picture, lambda spec: True)
    for other in picture.order_pictures:
        alerts += _alerts(other, lambda spec: spec.id in PUMP_RULES, other.context.order)
    entries = sorted(chain(picture.entries, *(run.entries for run in picture.other_runs)), key=lambda e: e.key)
    position = {entry.id: index for index, entry in enumerate(entries)}
    return sorted(alerts, key=lambda alert: (position.get(alert.event_ids[0], -1), alert.rule))


def _alerts(picture: Picture, judges: Callable[[RuleSpec], bool], order: Order | None = None) -> list[Alert]:
    protocol = picture.context.protocol
    active = sorted((spec for spec in picture.context.rulebook.rules if applies(spec, protocol) and judges(spec)),
                    key=lambda spec: spec.id)
    product = protocol.product.name
    alerts = [_alert(spec, finding, order, product) for spec in active
              for finding in (expressions.evaluate if spec.when else RULE_CODE[spec.id])(picture, spec)]
    return _without_superseded(alerts, active)
