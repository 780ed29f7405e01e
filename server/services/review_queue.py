"""The pharmacist's review queue: finished visits waiting for review, riskiest first.

CLINICAL section 5: reactions, out-of-range vitals, titration deviations and missed checks come
first; a grade >= 2 reaction tops the queue (section 4). The order, most important first:
  1. highest reaction grade         4. protocol issues (titration deviations)
  2. critical alerts                5. missed vital-sign checks
  3. alerts of any severity         6. late entries (and entries after a review, backdated
                                        entries, entries dated before the visit began)
                                     7. entries held in quarantine
then the visit that has waited longest. Everything but (2) is on the Visit row; (2) needs the
alerts' severities, so only visits that have alerts are folded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from tortoise.functions import Count

from server import access
from server.db.models import User, Visit, VisitStatus
from server.services import visits as visit_service
from server.services.local_time import LocalTime, midnight

QUEUE_STATES = (VisitStatus.COMPLETED, VisitStatus.SIGNED, VisitStatus.REOPENED)
# what the pharmacist may narrow to: the visits running now too (she supervises them; a walk found no desk
# list of them), riskiest first like the queue, and the reviewed ones
FILTER_STATES = (VisitStatus.IN_PROGRESS, *QUEUE_STATES, VisitStatus.REVIEWED)
QUEUE_LIMIT = 200
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATE_FLAGS = frozenset({"late_entries", "late_after_review", "backdated_entries", "entries_before_visit"})


@dataclass(frozen=True)
class QueueFilter:
    """What the pharmacist narrowed the queue to; None means any."""

    nurse_id: int | None = None
    patient_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None
    state: VisitStatus | None = None


@dataclass(frozen=True)
class QueueRow:
    visit: Visit
    critical_alerts: int
    reasons: list[str]


@dataclass
class Queue:
    rows: list[QueueRow]
    counts: dict[str, int] = field(default_factory=dict)


def risk_key(visit: Visit, critical_alerts: int) -> tuple:
    """Sort key: riskiest first (see the module docstring), then the longest waiting."""
    flags = set(visit.flags or [])
    late = bool(flags & LATE_FLAGS)
    waited_since = visit.time_out or visit.time_in or visit.scheduled_at or EPOCH
    return (-visit.max_reaction_grade, -critical_alerts, -visit.alert_count, -("protocol_issues" in flags),
            -("missed_checks" in flags), -late, -("quarantined" in flags), waited_since)


def risk_reasons(visit: Visit, critical_alerts: int) -> list[str]:
    """Why a visit sits where it does, in the words shown on its queue row."""
    flags, reasons = set(visit.flags or []), []
    if visit.max_reaction_grade:
        reasons.append(f"reaction grade {visit.max_reaction_grade}")
    if critical_alerts:
        reasons.append(f"{critical_alerts} critical alert{'s' if critical_alerts > 1 else ''}")
    if visit.alert_count:
        reasons.append(f"{visit.alert_count} alert{'s' if visit.alert_count > 1 else ''}")
    labels = {"stopped_early": "stopped early", "protocol_issues": "protocol issues", "missed_checks": "missed checks",
              "late_entries": "late entries",
              "late_after_review": "entries after review", "backdated_entries": "backdated entries",
              "entries_before_visit": "entries before the visit began", "quarantined": "quarantined entries"}
    reasons += [text for flag, text in labels.items() if flag in flags]
    return reasons


async def critical_alert_count(visit: Visit) -> int:
    if not visit.alert_count:
        return 0
    state = await visit_service.state_of(visit)
    return sum(1 for alert in state.alerts if alert.severity == "critical")


async def filtered(pharmacist: User, filters: QueueFilter, clock: LocalTime) -> Any:
    """The visits the queue's filters select (every state the queue lists; `filters.state` is applied after)."""
    return narrowed((await access.visits(pharmacist)).filter(status__in=list(FILTER_STATES)), filters, clock)


def narrowed(query: Any, filters: QueueFilter, clock: LocalTime) -> Any:
    """`query` narrowed to the filters' nurse, patient and days (time in, in the organization's days)."""
    if filters.nurse_id is not None:
        query = query.filter(nurse_id=filters.nurse_id)
    if filters.patient_id is not None:
        query = query.filter(patient_id=filters.patient_id)
    if filters.day_from is not None:
        query = query.filter(time_in__gte=midnight(filters.day_from, clock.zone))
    if filters.day_to is not None:
        query = query.filter(time_in__lt=midnight(filters.day_to + timedelta(days=1), clock.zone))
    return query


async def review_queue(*, pharmacist: User, filters: QueueFilter, clock: LocalTime) -> Queue:
    """The queue (or the reviewed list, when filtered to it), ranked, with counts per state."""
    query = await filtered(pharmacist, filters, clock)
    grouped = await query.annotate(n=Count("id")).group_by("status").values("status", "n")
    counts = {str(state): 0 for state in FILTER_STATES} | {str(row["status"]): row["n"] for row in grouped}
    states = [filters.state] if filters.state else list(QUEUE_STATES)
    found = await query.filter(status__in=states).order_by("-max_reaction_grade", "-alert_count", "time_out") \
        .limit(QUEUE_LIMIT).prefetch_related("patient", "nurse", "order")
    rows = []
    for visit in found:
        critical = await critical_alert_count(visit)
        rows.append(QueueRow(visit, critical, risk_reasons(visit, critical)))
    rows.sort(key=lambda row: risk_key(row.visit, row.critical_alerts))
    await access.audit_list(pharmacist, "visit", len(rows))
    return Queue(rows=rows, counts=counts)
