"""The physician summary of one visit: what a busy physician reads in a minute (CLINICAL section 5).

One `VisitSummary` feeds the print-ready page, the PDF and the FHIR Bundle, so the three always
say the same thing. A mailed summary is built "as signed": from the events up to the sign-off
that released it, so later entries never slip into a document the pharmacist did not review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any
from uuid import UUID

from server.clinical.corrections import CORRECTION_KINDS
from server.clinical.rounding import format_number
from server.db.models import Order, Patient, User, Visit, VisitStatus
from server.services import catalogue_names, charts, entry_times, folds, org_catalogue, visits
from server.services.charts import Chart
from server.services.entry_text import line_site, number
from server.services.local_time import LocalTime
from server.services.order_as_run import OrdersAsRun
from sync.models import Event

TREND = (("temp_c", "Temperature", "°C"), ("hr", "Heart rate", "/min"), ("sbp", "Systolic BP", "mmHg"),
         ("dbp", "Diastolic BP", "mmHg"), ("rr", "Resp. rate", "/min"), ("spo2", "SpO2", "%"))
NOTES_ON_PAGE = 6
NOTED_BESIDE = {"infusion.rate_changed": "Rate change", "infusion.paused": "Pause", "reaction.resolved": "Reaction resolved"}


@dataclass(frozen=True)
class TrendRow:
    """A measurement at baseline, its range over the visit and at the last check. The range, not a "worst" one
    way: a walk's summary showed systolic BP "122 (lowest)" and hid the 148 of the reaction; an earlier one read
    "worst 122" as wrong."""

    label: str
    unit: str
    baseline: float | None
    lowest: float
    highest: float
    last: float


@dataclass
class VisitSummary:
    visit: Visit
    patient: Patient
    order: Order
    nurse: User | None
    physician: User | None
    state: dict[str, Any]
    product_name: str
    authors: dict[int, str]
    clock: LocalTime
    signoff: dict[str, Any] | None = None
    protocol_revision: int = 0  # the organization's revision of the protocol row the visit began under
    other_orders: list[Order] = field(default_factory=list)  # the visit's additional orders, in position order
    revised_since: dict[int, int] = field(default_factory=dict)  # order id -> its revision now, if edited since the visit ended
    interventions: list[dict[str, Any]] = field(default_factory=list)
    trend: list[TrendRow] = field(default_factory=list)
    infusion_chart: Chart | None = None
    vitals_charts: list[Chart] = field(default_factory=list)
    time_flags: dict[str, list[str]] = field(default_factory=dict)  # by event id (server.services.entry_times)
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)  # the log the state was folded from
    context: Any = field(default=None, repr=False)  # the visit context of that fold

    @cached_property
    def vials(self) -> list[Any]:
        """Each vial or bag opened, with what it gave and what was discarded (payer_proof.VialUse): folded once,
        read by the summary, the review's payer card and the export."""
        from server.services.payer_proof import vial_use  # it reads a VisitSummary: imported where used

        return vial_use(self)

    @property
    def identity(self) -> list[str] | None:
        """The identifiers the last pre-assessment confirmed the patient by: proof for the payer that the drug
        went to the right patient (None: not recorded, or no pre-assessment)."""
        assessments = [entry["payload"] for entry in self.state["entries"] if entry["kind"] == "assessment"]
        return assessments[-1].get("identity") if assessments else None

    @property
    def status(self) -> VisitStatus:
        """The visit's status from the log this summary folded: the row's projection may lag a push by
        moments (the pharmacist saw "scheduled" beside a running infusion)."""
        return visits.effective_status(self.state["status"], has_events=bool(self.events),
                                       row_status=VisitStatus(self.visit.status))

    @property
    def premeds(self) -> list[dict[str, Any]]:
        return [m for m in self.state["medications"] if m["purpose"] == "premed"]

    @property
    def other_medications(self) -> list[dict[str, Any]]:
        return [m for m in self.state["medications"] if m["purpose"] != "premed"]

    def resolved_at(self, event_id: str) -> str | None:
        """When a reaction was recorded as resolved: its resolution entry (reaction.resolved), or in a record
        from before that kind its first applied correction saying so (None: recorded resolved at once, or
        never), so the physician reads how long it lasted (a new user's walk)."""
        entries = self.state["entries"]
        resolutions = [e["occurred_at"] for e in entries
                       if e["kind"] == "reaction.resolved" and e["payload"]["reaction_id"] == event_id]
        if resolutions:
            return resolutions[0]
        entry = next((e for e in entries if e["event_id"] == event_id), {"history": []})
        return next((v["occurred_at"] for v in entry["history"][1:]
                     if v.get("applied") and (v["payload"] or {}).get("outcome") == "resolved"), None)

    @cached_property
    def nurse_notes(self) -> list[dict[str, Any]]:
        """Her notes, and the note she wrote on a rate change, a pause or a reaction's end, named by it, in time
        order (a walk's "Warm pack; chills gone" and her rate changes' reasons were in no document)."""
        beside = [{"at": e["occurred_at"], "author_id": e["author_id"],
                   "text": f"{NOTED_BESIDE[e['kind']]}: {e['payload']['note']}"}
                  for e in self.state["entries"] if e["kind"] in NOTED_BESIDE and e["payload"].get("note")]
        return sorted([*self.state["notes"], *beside], key=lambda note: note["at"])

    @property
    def notes_shown(self) -> list[dict[str, Any]]:
        """The latest nurse notes: the page stays one page; the count of the rest is shown."""
        return self.nurse_notes[-NOTES_ON_PAGE:]

    @property
    def notes_not_shown(self) -> int:
        return max(len(self.nurse_notes) - NOTES_ON_PAGE, 0)

    @property
    def nurse_signature(self) -> dict[str, Any] | None:
        signed = [s for s in self.state["signatures"] if s["role"] == "nurse"]
        return signed[-1] if signed else None

    @property
    def review_event_id(self) -> UUID | None:
        return UUID(self.signoff["event_id"]) if self.signoff else None

    def author(self, author_id: Any) -> str:
        return self.authors.get(author_id, "unknown user") if author_id is not None else ""


def vitals_trend(state: dict[str, Any]) -> list[TrendRow]:
    rows = []
    for name, label, unit in TREND:
        values = [row[name] for row in state["vitals"] if row.get(name) is not None]
        if values:
            baseline = state["baseline"].get(name, {}).get("value")
            rows.append(TrendRow(label, unit, baseline, min(values), max(values), values[-1]))
    return rows


async def author_names(organization_id: int, events: list[dict[str, Any]]) -> dict[int, str]:
    ids = {event["author_id"] for event in events if event.get("author_id") is not None}
    users = await User.filter(organization_id=organization_id, id__in=list(ids)).values("id", "display_name")
    return {row["id"]: row["display_name"] for row in users}


@dataclass(frozen=True)
class Folded:
    """The fold of a visit's events (up to a sign-off's), those events, the context and the orders the
    visit ran on (as they stood when it ended: server.services.order_as_run)."""

    state: dict[str, Any]
    events: list[dict[str, Any]]
    context: Any
    orders: OrdersAsRun


async def state_through(visit: Visit, through_seq: int | None) -> Folded:
    """The visit folded, through the event `through_seq` when given."""
    events = await visits.events_of(visit)
    context = await visits.context_for(visit, events=events)
    ended = visits.ended_at(events)
    orders = await visits.orders_as_run(visit, ended)
    if through_seq is not None:
        events = [event for event in events if event["server_seq"] <= through_seq]
    # a visit still running is folded to now (its pump ran on since the last entry); a closed one to its log
    now = datetime.now(timezone.utc) if ended is None and through_seq is None and events else None
    return Folded(folds.fold(events, context=context, now=now).to_dict(), events, context, orders)


def resolved_alerts(summary: VisitSummary) -> list[dict[str, Any]]:
    """Alerts the entries raised before a correction took them away (an expired lot amended to the right
    one): the pharmacist still sees that they were raised, marked resolved, with the correction beside
    the entry. Found by folding the log once more without its amendments and voids."""
    uncorrected = [e for e in summary.events if e["kind"] not in CORRECTION_KINDS]
    if len(uncorrected) == len(summary.events):
        return []
    current = {alert["id"] for alert in summary.state["alerts"]}
    alerts = folds.fold(uncorrected, context=summary.context).to_dict()["alerts"]
    return [alert for alert in alerts if alert["id"] not in current]


async def build_summary(visit: Visit, *, clock: LocalTime, through_seq: int | None = None) -> VisitSummary:
    """The summary of `visit` now, or as it stood at the event `through_seq` (a sign-off)."""
    folded = await state_through(visit, through_seq)
    state, events = folded.state, folded.events
    await visit.fetch_related("organization", "patient__physician", "nurse")
    signoffs = [r for r in state["reviews"] if r["kind"] == "review.signed"]
    summary = VisitSummary(
        visit=visit, patient=visit.patient, order=folded.orders.order, nurse=visit.nurse, physician=visit.patient.physician,
        state=state, product_name=catalogue_names.product_name(state["protocol"]["product_id"]),
        authors=await author_names(visit.organization_id, events), clock=clock,
        signoff=signoffs[-1] if signoffs else None,
        interventions=interventions_of(state), other_orders=folded.orders.others, revised_since=folded.orders.revised_since,
        trend=vitals_trend(state), time_flags=entry_times.entry_flags(events, state["time_in"]),
        events=events, context=folded.context, protocol_revision=await org_catalogue.revision_number(
            visit.organization_id, state["protocol"]["id"], visits.began_at(events)),
    )
    # Drawn at the size they print (the rate chart beside its table, the vital signs beside their trend), so
    # their labels are not scaled down: with the sections below, a crowded visit fits one Letter page.
    summary.infusion_chart = charts.infusion_chart(state, clock, height=150, width=400)
    summary.vitals_charts = charts.vitals_charts(state, clock, height=75, width=250)
    return summary


def interventions_of(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The pharmacist's interventions with their own kind ("next_rate"...): the fold's review rows put
    the event kind where the intervention's kind was, and summaries printed "review.intervention"."""
    return [{"event_id": e["event_id"], "at": e["occurred_at"], "author_id": e["author_id"], **e["payload"]}
            for e in state["entries"] if e["kind"] == "review.intervention"]


async def signoff_seq(review_event_id: UUID) -> int | None:
    """The server_seq of a sign-off event: where an "as signed" summary stops reading."""
    return await Event.filter(id=review_event_id).first().values_list("server_seq", flat=True)


def file_name(summary: VisitSummary, extension: str) -> str:
    """The name a summary is saved or attached under: its day and the visit's id, so two visits of one day
    never download under one name (a new user's walk), and no patient detail in it."""
    day = summary.clock.day(summary.state["time_in"]) or "visit"
    return f"visit-summary-{day}-{str(summary.visit.id)[:8]}.{extension}"


def minutes(value: float | None) -> str:
    """Minutes as a summary writes them: whole ("infused 181 min", not 180.9); a step that ran under half a
    minute is "<1", not "0" (a walk read a 0-minute step that gave 1.2 mL)."""
    if value is None:
        return ""
    return "<1" if 0 < value < 0.5 else format_number(value, 0)


def lead(value: float | None) -> str:
    """A premedication's time to the infusion's start, worded as the premed_timing rule words it on the tablet
    (a walk read "0.4 min before the start" there and "0 min before start" in the PDF, and a dose after the
    start read "-5 min before start")."""
    if value is None:
        return "no infusion start"
    if value == 0:
        return "at the start"
    return f"{format_number(abs(value), 0)} min {'before' if value > 0 else 'after'} the start"


def template_context(summary: VisitSummary) -> dict[str, Any]:
    """What the summary templates read: the summary, its clock, its bottom line, each vial's use (what it gave
    and what was discarded: the medical record that supports a JW claim, PAYER.md s.2.1) and `n` for numbers."""
    from server.services.bottom_line import bottom_line  # it reads a VisitSummary: imported where used

    return {"s": summary, "clock": summary.clock, "n": number, "minutes": minutes, "lead": lead, "line_site": line_site,
            "bottom_line": bottom_line(summary), "product_name": catalogue_names.product_name}
