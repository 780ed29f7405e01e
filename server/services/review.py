"""A pharmacist's review of one visit: everything on one page, and the two things they record.

The page shows the fold of the visit's events (`VisitState.to_dict()`): the timeline with each
amendment and void beside its original, alerts with the entries they rest on, the charts, dose
ordered vs given, quarantined submissions and the summary's delivery. Interventions and the
sign-off are events pushed through the sync engine (`desk_events`), so tablets pull them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from tortoise.query_utils import Prefetch

from server.db.models import User, Visit, VisitStatus
from server.db.review_models import DeliveryAttempt, InboxItem, OutboxMessage
from server.clinical.rate_rules import LIMIT_NAMES
from server.clinical.timeline import VisitState
from server.errors import Conflict, FieldError, ValidationFailed
from server.services import (
    charts, desk_events, disclosures, entry_times, inbox, payer_proof, release, visits, write_rules,
)
from server.services.charts import Chart
from server.services.entry_text import describe, label, number
from server.services.local_time import LocalTime, parse
from server.services.summary import VisitSummary, build_summary, resolved_alerts
from sync import held_view
from sync.held_view import HeldPage
from sync.models import Quarantine
from sync.protocol import PushResult

SIGNABLE, INTERVENABLE = write_rules.SIGNABLE, write_rules.INTERVENABLE  # the one rule, for a push and the desk
InterventionKind = Literal["next_rate", "premed_change", "product_switch", "prescriber_contacted", "other"]
INTERVENTION_KINDS = get_args(InterventionKind)  # as `review.intervention` (clinical/data/payloads.json) names them


class InterventionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: InterventionKind
    text: str = Field(min_length=1, max_length=2000)
    next_rate_ml_h: float | None = Field(default=None, gt=0, le=1000)
    rate_meant: bool = False  # ticked: a next rate under half the patient's first step is meant (_runnable)


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=2000)


class SignOff(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str | None = Field(default=None, max_length=2000)
    alerts_reviewed: bool = False  # ticked: the pharmacist says she reviewed the visit's alerts (alerts_unreviewed)
    alerts_shown: int | None = Field(default=None, ge=0)  # how many the page showed her (the desk form sends it)


@dataclass(frozen=True)
class Version:
    """The original or an amendment of an entry, as shown under it."""

    change: str
    author: str
    recorded_at: str
    text: str
    reason: str = ""
    applied: bool = True


@dataclass(frozen=True)
class TimelineRow:
    event_id: str
    kind: str
    label: str
    at: str
    recorded_at: str
    author: str
    text: str
    versions: list[Version] = field(default_factory=list)
    voided_reason: str | None = None
    voided_by: str = ""
    late: bool = False
    after_review: bool = False
    time_flags: list[str] = field(default_factory=list)  # labels (server.services.entry_times.LABELS)
    author_id: int | str | None = None  # whose entry (a user id): her own intervention offers "Withdraw"


@dataclass
class VisitReview:
    summary: VisitSummary
    timeline: list[TimelineRow]
    alerts: list[tuple[dict[str, Any], list[TimelineRow]]]
    resolved_alerts: list[tuple[dict[str, Any], list[TimelineRow]]]
    quarantined: HeldPage  # one bounded page, with the count of all
    outbox: list[OutboxMessage]
    inbox_items: list[InboxItem]
    disclosures: list[Any]
    infusion_chart: Chart | None
    vitals_charts: list[Chart]
    rule_sources: dict[str, str]  # rule id -> where its numbers come from (rules.json `source`)
    claim_lines: list[payer_proof.ClaimLine]

    @property
    def can_sign_off(self) -> bool:
        return VisitStatus(self.summary.state["status"]) in SIGNABLE  # the fresh fold, not the row


def _versions(history: list[dict[str, Any]], kind: str, name: Any) -> list[Version]:
    return [Version(change=v.get("change", "amended"), author=name(v.get("author_id")), recorded_at=v["recorded_at"],
                    text=describe(kind, v["payload"]), reason=v.get("reason", ""), applied=v.get("applied", True))
            for v in history]


def timeline_rows(state: dict[str, Any], name: Any,
                  time_flags: dict[str, list[str]] | None = None) -> list[TimelineRow]:
    """Entries and voided entries in clinical-time order, each with its corrections beside it, and
    the time flags the server found (`server.services.entry_times`)."""
    late = {row["event_id"] for row in state["late_entries"]}
    after = set(state["late_after_review"])
    flags = time_flags or {}

    def labels(event_id: str) -> list[str]:
        return [entry_times.LABELS[flag] for flag in flags.get(event_id, ())]

    rows = [TimelineRow(e["event_id"], e["kind"], label(e["kind"]), e["occurred_at"], e["recorded_at"],
                        name(e["author_id"]), describe(e["kind"], e["payload"]),
                        _versions(e["history"], e["kind"], name), late=e["event_id"] in late,
                        after_review=e["event_id"] in after, time_flags=labels(e["event_id"]), author_id=e["author_id"])
            for e in state["entries"]]
    rows += [TimelineRow(v["event_id"], v["kind"], label(v["kind"]), v["occurred_at"], v["recorded_at"],
                         name(v["author_id"]), describe(v["kind"], v["payload"]),
                         _versions(v["amendments"], v["kind"], name), voided_reason=v["reason"],
                         voided_by=name(v["voided_by"]), late=v["event_id"] in late,
                         time_flags=labels(v["event_id"]))
             for v in state["voided"]]
    return sorted(rows, key=lambda row: (parse(row.at), parse(row.recorded_at)))


def alerts_with_entries(alerts: list[dict[str, Any]], rows: list[TimelineRow]) -> list[tuple[dict[str, Any], list[TimelineRow]]]:
    by_id = {row.event_id: row for row in rows}
    return [(alert, [by_id[i] for i in alert["event_ids"] if i in by_id]) for alert in alerts]


async def quarantined_of(visit: Visit) -> HeldPage:
    """One bounded page of the visit's held entries (newest first), each described when it is
    small enough to show whole (sync.held_view)."""
    shown = await held_view.page(Quarantine.filter(visit_id=visit.id, organization_id=visit.organization_id))
    for row in shown.rows:
        content = row["sent"] if isinstance(row["sent"], dict) else {}
        kind, payload = str(content.get("kind", "")), content.get("payload")
        row["kind_label"] = label(kind) if kind else ("entry too large to show" if not held_view.whole(row)
                                                      else "unreadable entry")
        row["text"] = describe(kind, payload) if isinstance(payload, dict) else str(payload or "")
    return shown


async def build_review(visit: Visit, *, clock: LocalTime) -> VisitReview:
    summary = await build_summary(visit, clock=clock)
    rows = timeline_rows(summary.state, summary.author, summary.time_flags)
    attempts = Prefetch("delivery_attempts", queryset=DeliveryAttempt.all().order_by("at"))
    outbox = await OutboxMessage.filter(visit_id=visit.id).order_by("-created_at").prefetch_related("recipient", attempts)
    return VisitReview(
        summary=summary, timeline=rows, alerts=alerts_with_entries(summary.state["alerts"], rows),
        resolved_alerts=alerts_with_entries(resolved_alerts(summary), rows),
        quarantined=await quarantined_of(visit), outbox=outbox, inbox_items=await inbox.items_of_visit(visit),
        disclosures=await disclosures.of_visit(visit),
        infusion_chart=charts.infusion_chart(summary.state, clock),
        vitals_charts=charts.vitals_charts(summary.state, clock),
        rule_sources={spec.id: spec.source for spec in visits.rulebook().rules},
        claim_lines=payer_proof.claim_lines(summary),
    )


async def current_status(visit: Visit) -> VisitStatus:
    """The visit's status from its whole log, as every door judges it (visits.current_status)."""
    return await visits.current_status(visit)


def _allowed(kind: str, status: VisitStatus) -> None:
    """The push would refuse it (write_rules.status_refusal): answer now, in the same words, instead of
    keeping the desk's own action in quarantine."""
    refusal = write_rules.status_refusal(kind, status)
    if refusal is not None:
        raise Conflict(refusal.reason)


async def record_intervention(*, visit: Visit, pharmacist: User, data: InterventionCreate) -> PushResult:
    _allowed("review.intervention", await current_status(visit))
    payload: dict[str, Any] = {"kind": data.kind, "text": data.text}
    if data.next_rate_ml_h is not None:
        await _runnable(visit, data.next_rate_ml_h, below_first_meant=data.rate_meant)
        payload["next_rate_ml_h"] = float(data.next_rate_ml_h)
    return await desk_events.append(user=pharmacist, visit=visit, kind="review.intervention", payload=payload)


async def withdraw_intervention(*, visit: Visit, pharmacist: User, event_id: str, data: Withdrawal) -> PushResult:
    """Her own intervention entered in error is voided, with her reason: it stays listed, struck through, and
    leaves the handover (a walk's mistyped "next rate 2.4" could not be taken back). The push's rules check
    that it is hers and an intervention (rules.json entry_authority)."""
    return await desk_events.append(user=pharmacist, visit=visit, kind="entry.voided",
                                    payload={"target_id": event_id, "reason": data.reason})


async def _runnable(visit: Visit, rate_ml_h: float, *, below_first_meant: bool = False) -> None:
    """A rate for the next infusion that no infusion of the order as it is now may run (a slip: 900 for 90;
    a cap set since) is refused, naming the highest it allows; below it the next visit cuts the target at
    its own limits (series.py). One under half the patient's first step is asked about until ticked as meant: a
    unit slip lands there (a walk's 2.4, a mL/kg/h figure, reached the next nurse above the 216 mL/h meant),
    a held rate a little under the first step (100 for 108) is the pharmacist's judgment, not asked."""
    context = await visits.context_now(visit)
    first = context.lowest_start()
    if first is not None and rate_ml_h < first / 2 and not below_first_meant:
        raise ValidationFailed(errors=[FieldError("rate_meant", (
            f"rate_meant: {number(rate_ml_h)} mL/h is less than half this patient's first step ({number(first)} mL/h): "
            f"check it is in mL/h, not mL/kg/h, or tick that a rate this low is meant."))])
    limit = context.highest_rate()
    if limit is not None and limit.exceeded_by(rate_ml_h):
        bound = f"below {number(limit.ml_h)}" if limit.exclusive else f"at most {number(limit.ml_h)}"
        flags = sorted(context.patient.risk_flags & context.catalog.at_risk_flags)
        whom = f" for this patient, flagged at risk ({', '.join(flags)})," if limit.source.startswith("at_risk") else ""
        raise ValidationFailed(errors=[FieldError("next_rate_ml_h", (
            f"next_rate_ml_h: {number(rate_ml_h)} mL/h is above what this order allows{whom} at any infusion: "
            f"{bound} mL/h (the {LIMIT_NAMES[limit.source]}). Check the number."))])


def alerts_unreviewed(state: VisitState, *, ticked: bool, shown: int | None = None) -> None:
    """A visit with alerts is signed off, and its summary released, only once the pharmacist says she reviewed
    them: a walk signed a grade 2 reaction's visit with three open warnings in one click, with no note. Alerts
    that arrived after the page was shown (`shown`: its count) are not yet reviewed."""
    alerts = state.alerts
    if shown is not None and len(alerts) > shown:
        message = (f"alerts_reviewed: {len(alerts) - shown} new alert(s) since this page was shown: "
                   "review them above, then sign off again")
        raise ValidationFailed(message, errors=[FieldError("alerts_reviewed", message)])
    if alerts and not ticked:
        critical = sum(1 for alert in alerts if alert.severity == "critical")
        message = (f"alerts_reviewed: this visit has {len(alerts)} alert(s){f', {critical} critical' if critical else ''}: "
                   "review them above, tick that you did, and say in the note what was done where it matters")
        raise ValidationFailed(message, errors=[FieldError("alerts_reviewed", message)])


async def sign_off(*, visit: Visit, pharmacist: User, data: SignOff) -> PushResult:
    """Sign the review; the summary is released to the physician at once (and by the worker, if not)."""
    _allowed("review.signed", await current_status(visit))
    state = await visits.state_of(visit)
    alerts_unreviewed(state, ticked=data.alerts_reviewed, shown=data.alerts_shown)
    payload: dict[str, Any] = {"alerts_reviewed": len(state.alerts), **({"note": data.note} if data.note else {})}
    result = await desk_events.append(user=pharmacist, visit=visit, kind="review.signed", payload=payload)
    await release.release_signoffs()
    return result
