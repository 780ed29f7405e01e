"""Scheduling visits: a pharmacist books visits for a patient's active order with an assigned nurse,
once or as a series, and moves or cancels them while nobody has started them.

Times are taken as local clock time in the organization's zone (IVLOG_TIMEZONE) and stored UTC; a
series steps in local days, so "every 4 weeks at 10:00" stays 10:00 across a daylight-saving change.
A cancelled visit keeps its row (status `cancelled`) and every change keeps a `VisitScheduleChange`
row with who and why. A visit the nurse started is hers: the first entry from her tablet ends any
moving or cancelling (and a cancelled visit she started anyway is projected from her entries).
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server import access, audit
from server.db.models import (
    Assignment, Order, Patient, Role, ScheduleChangeKind, User, Visit, VisitScheduleChange, VisitStatus,
)
from server.errors import Conflict, FieldError, ValidationFailed, from_pydantic
from server.services import course_total, second_dose, visit_orders, visit_series
from sync.models import Event

PAST_GRACE = timedelta(minutes=15)  # a visit booked for "now" while the form was being filled
FURTHEST_AHEAD = timedelta(days=730)
MAX_WEEKLY, MAX_DAILY, MAX_EVERY_WEEKS = 52, 31, 12
REASON_MAX = 500
FIRST_YEAR, LAST_YEAR = 2000, 2200  # beyond, local dates do not all convert to UTC; a typo anyway
PAGE = 20  # upcoming visits per page
RECENT_CANCELLED = 10
LOCAL_TIME = "Local clock time in the organization's zone (IVLOG_TIMEZONE), HH:MM, without an offset"


class Repeat(StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"  # every `every_weeks` weeks, `count` visits
    DAILY = "daily"  # a multi-day course: every day, `count` days


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("date", check_fields=False)
    @classmethod
    def _plausible_date(cls, day: dt.date) -> dt.date:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(f"give a date between {FIRST_YEAR} and {LAST_YEAR}")
        return day

    @field_validator("time", check_fields=False)
    @classmethod
    def _local_clock_time(cls, at: dt.time) -> dt.time:
        """Times are local clock time in IVLOG_TIMEZONE (the API says so): an offset ("09:00+05:00") would
        have been dropped, booking 09:00 local, so it is refused rather than guessed at."""
        if at.tzinfo is not None:
            raise ValueError("give the local clock time (HH:MM) without an offset; visits are booked in the "
                             "organization's time zone")
        return at


class ScheduleRequest(_Schema):
    """What the form, the API and the command line send; `date` and `time` are local clock time."""

    order_id: int = Field(ge=1, le=2**31 - 1)
    other_order_ids: visit_orders.OtherOrderIds
    nurse_id: int = Field(ge=1, le=2**31 - 1)
    date: dt.date
    time: dt.time = Field(description=LOCAL_TIME)
    repeat: Repeat = Repeat.ONCE
    every_weeks: int = Field(default=1, ge=1, le=MAX_EVERY_WEEKS)
    count: int = Field(default=1, ge=1, le=MAX_WEEKLY)
    same_day: bool = False  # ticked: a second visit of the order on a day that has one is meant
    course_meant: bool = False  # ticked: a daily course's full dose at every visit is meant (course_total)

    @field_validator("count")
    @classmethod
    def _count_fits_repeat(cls, count: int, info: ValidationInfo) -> int:
        repeat = info.data.get("repeat")
        if repeat == Repeat.ONCE and count != 1:
            raise ValueError("a single visit has a count of 1; choose a weekly or daily series for more")
        if repeat == Repeat.DAILY and count > MAX_DAILY:
            raise ValueError(f"a daily course has at most {MAX_DAILY} days")
        return count


class _Reasoned(_Schema):
    reason: str = Field(default="", max_length=REASON_MAX, validate_default=True)

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, reason: str) -> str:
        if not reason:
            raise ValueError("give a reason; it stays on the visit's record")
        return reason


class MoveRequest(_Reasoned):
    date: dt.date
    time: dt.time = Field(description=LOCAL_TIME)
    nurse_id: int | None = None  # another nurse assigned that day takes the visit (an assignment ending strands it)
    same_day: bool = False  # ticked: a second visit of the order on that day is meant


class CancelRequest(_Reasoned):
    scope: Literal["visit", "series"] = "visit"  # "series": the visit and its series' later booked visits


def invalid(field: str, reason: str) -> ValidationFailed:
    message = f"{field}: {reason}"
    return ValidationFailed(message, errors=[FieldError(field, message)])


# --- times (pure) -----------------------------------------------------------------------------

def to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of local `day` `at`; a clock time skipped by a daylight-saving change is refused."""
    local = datetime.combine(day, at.replace(tzinfo=None, second=0, microsecond=0), tzinfo=zone)
    instant = local.astimezone(timezone.utc)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise invalid("time", f"{at:%H:%M} does not exist on {day} in {zone.key} (the clocks go forward); "
                              "choose another time")
    return instant


def series_days(request: ScheduleRequest) -> list[date]:
    step = timedelta(weeks=request.every_weeks) if request.repeat == Repeat.WEEKLY else timedelta(days=1)
    return [request.date + step * n for n in range(request.count)]


def check_when(instant: datetime, *, now: datetime, field: str = "date") -> None:
    if instant < now - PAST_GRACE:
        raise invalid(field, "this time is in the past; choose a time from now on")
    if instant > now + FURTHEST_AHEAD:
        raise invalid(field, "visits are scheduled at most two years ahead")


# --- checks against the database ---------------------------------------------------------------

async def active_order(patient: Patient, order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id, patient_id=patient.id, organization_id=patient.organization_id)
    if order is None:
        raise invalid("order_id", f"order {order_id} is not an order of this patient")
    if not order.active:
        raise invalid("order_id", f"order {order_id} is inactive; visits are scheduled for an active order")
    return order


async def nurse_assigned(patient: Patient, nurse_id: int, days: list[date]) -> User:
    """The nurse, assigned to the patient on every one of `days`."""
    nurse = await User.get_or_none(id=nurse_id, organization_id=patient.organization_id, role=Role.NURSE, active=True)
    if nurse is None:
        raise invalid("nurse_id", f"user {nurse_id} is not an active nurse of this organization")
    spans = await Assignment.filter(nurse_id=nurse.id, patient_id=patient.id).values_list("starts_on", "ends_on")
    for day in days:
        if not any(start <= day and (end is None or day <= end) for start, end in spans):
            raise invalid("nurse_id", f"{nurse.display_name} is not assigned to this patient on {day}")
    return nurse


async def nurse_choices(patient: Patient, today: date) -> list[User]:
    """Nurses assigned to the patient today or later: the ones the form offers."""
    ids = await Assignment.filter(patient_id=patient.id, organization_id=patient.organization_id).filter(
        Q(ends_on=None) | Q(ends_on__gte=today)).values_list("nurse_id", flat=True)
    return await User.filter(id__in=list(ids), role=Role.NURSE, active=True).order_by("display_name")


async def _already_booked(patient: Patient, instants: list[datetime], *, moving: Visit | None = None) -> None:
    taken = await Visit.filter(patient_id=patient.id, scheduled_at__in=instants).exclude(
        status=VisitStatus.CANCELLED).exclude(id=moving.id if moving else None).values_list("scheduled_at", flat=True)
    if taken:
        raise invalid("time", f"this patient already has a visit at {min(taken):%Y-%m-%d %H:%M} UTC")


async def not_started(visit: Visit, connection: Any) -> None:
    """Moving or cancelling ends at the nurse's first entry: her record wins."""
    started = await Event.filter(visit_id=visit.id).using_db(connection).exists()
    if started or visit.status != VisitStatus.SCHEDULED:
        state = "cancelled" if visit.status == VisitStatus.CANCELLED else "already started"
        raise Conflict(f"This visit is {state}; it can no longer be moved or cancelled.")


# --- use cases ---------------------------------------------------------------------------------

async def schedule_visits(
    *, patient: Patient, request: ScheduleRequest, by: User, zone: ZoneInfo, now: datetime | None = None,
) -> list[Visit]:
    """Book the visit or the series, all or none."""
    now = now or datetime.now(timezone.utc)
    order = await active_order(patient, request.order_id)
    others = await visit_orders.additional_orders(patient, order, request.other_order_ids)
    course_total.check(order=order, visits=request.count, daily=request.repeat == Repeat.DAILY,
                       meant=request.course_meant)
    days = series_days(request)
    instants = [to_utc(day, request.time, zone) for day in days]
    check_when(instants[0], now=now)
    if instants[-1] > now + FURTHEST_AHEAD:
        raise invalid("count", "the series would end more than two years ahead; schedule fewer visits")
    nurse = await nurse_assigned(patient, request.nurse_id, days)
    await _already_booked(patient, instants)
    clash = None if request.same_day else await second_dose.visit_that_day(patient.id, [order, *others], days, zone)
    if clash is not None:
        raise invalid("same_day", second_dose.refusal(clash, zone, order))
    series = uuid.uuid4() if len(instants) > 1 else None
    async with in_transaction("default") as connection:
        visits = [await Visit.create(id=uuid.uuid4(), organization_id=patient.organization_id, patient_id=patient.id,
                                     order_id=order.id, nurse_id=nurse.id, scheduled_at=at, using_db=connection)
                  for at in instants]
        await visit_orders.attach(visits, others, connection)
        await VisitScheduleChange.bulk_create([
            VisitScheduleChange(organization_id=patient.organization_id, visit_id=v.id, by_id=by.id, at=now,
                                kind=ScheduleChangeKind.SCHEDULED, scheduled_to=v.scheduled_at, series_id=series)
            for v in visits], using_db=connection)
        await audit.record_many([audit.Record(
            "visit.schedule", access.actor(by), object_type="visit", object_id=v.id,
            detail={"patient_id": patient.id, "order_id": order.id, "other_order_ids": [o.id for o in others],
                    "nurse_id": nurse.id,
                    "scheduled_at": _iso(v.scheduled_at), "series_id": str(series) if series else None},
        ) for v in visits])
    return visits


async def move_visit(
    *, visit: Visit, request: MoveRequest, by: User, zone: ZoneInfo, now: datetime | None = None,
) -> Visit:
    now = now or datetime.now(timezone.utc)
    instant = to_utc(request.date, request.time, zone)
    nurse_id = request.nurse_id or visit.nurse_id
    if instant == visit.scheduled_at and nurse_id == visit.nurse_id:  # nothing moves: no change, no reason
        raise invalid("time", "this is the visit's time already, and its nurse: give the date and time to move it "
                              "to, or another nurse")
    if instant != visit.scheduled_at:  # given to another nurse at its own time, late or not: not a new time
        check_when(instant, now=now)
    patient = await Patient.get(id=visit.patient_id)
    if nurse_id is not None:
        await nurse_assigned(patient, nurse_id, [request.date])
    await _already_booked(patient, [instant], moving=visit)
    orders = [*([await Order.get(id=visit.order_id)] if visit.order_id else []), *await visit_orders.other_orders_of(visit)]
    clash = None if request.same_day or not orders else await second_dose.visit_that_day(
        patient.id, orders, [request.date], zone, moving=visit)
    if clash is not None:
        raise invalid("same_day", second_dose.refusal(clash, zone, orders[0]))
    async with in_transaction("default") as connection:
        await not_started(visit, connection)
        moved = await Visit.filter(id=visit.id, status=VisitStatus.SCHEDULED).using_db(connection).update(
            scheduled_at=instant, nurse_id=nurse_id, updated_at=now)
        if not moved:
            raise Conflict("This visit changed meanwhile; open it again.")
        await _change(visit, by=by, now=now, kind=ScheduleChangeKind.MOVED, to=instant, reason=request.reason,
                      connection=connection, nurse_id=nurse_id)
    return await Visit.get(id=visit.id)


async def cancel_visit(*, visit: Visit, request: CancelRequest, by: User, now: datetime | None = None) -> list[Visit]:
    """Cancel the visit, or with scope "series" it and its series' later booked visits: all or none, each with
    its own change row and audit entry."""
    now = now or datetime.now(timezone.utc)
    chosen = await visit_series.rest_of_series(visit) if request.scope == "series" else [visit]
    async with in_transaction("default") as connection:
        for each in chosen:
            await not_started(each, connection)
            cancelled = await Visit.filter(id=each.id, status=VisitStatus.SCHEDULED).using_db(connection).update(
                status=VisitStatus.CANCELLED, updated_at=now)
            if not cancelled:
                raise Conflict("This visit changed meanwhile; open it again.")
            await _change(each, by=by, now=now, kind=ScheduleChangeKind.CANCELLED, to=None, reason=request.reason,
                          connection=connection)
    return chosen


async def _change(visit: Visit, *, by: User, now: datetime, kind: ScheduleChangeKind, to: datetime | None,
                  reason: str, connection: Any, nurse_id: int | None = None) -> None:
    await VisitScheduleChange.create(
        organization_id=visit.organization_id, visit_id=visit.id, by_id=by.id, at=now, kind=kind,
        scheduled_from=visit.scheduled_at, scheduled_to=to, reason=reason, using_db=connection)
    await audit.record(  # the reason is free text: it stays on the change row, not in the audit log
        f"visit.{'move' if kind == ScheduleChangeKind.MOVED else 'cancel'}", actor=access.actor(by),
        object_type="visit", object_id=visit.id,
        detail={"patient_id": visit.patient_id, "from": _iso(visit.scheduled_at), "to": _iso(to),
                **({"nurse_from": visit.nurse_id, "nurse_to": nurse_id} if nurse_id != visit.nurse_id and nurse_id else {})})


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


async def schedule_from_cli(*, by: str, patient_id: int, nurse: str, zone_name: str,
                            fields: dict[str, Any]) -> list[Visit]:
    """`python -m server visit schedule`: users named by username, the pharmacist's access checked."""
    pharmacist = await User.get_or_none(username=by.lower(), role=Role.PHARMACIST, active=True)
    if pharmacist is None:
        raise invalid("by", f"{by!r} is not an active pharmacist")
    found = await User.get_or_none(username=nurse.lower(), organization_id=pharmacist.organization_id)
    if found is None:
        raise invalid("nurse", f"no user {nurse!r} in the pharmacist's organization")
    try:
        request = ScheduleRequest.model_validate({**fields, "nurse_id": found.id})
    except ValidationError as exc:
        raise from_pydantic(exc) from None
    patient = await access.schedule_for(pharmacist, patient_id)
    return await schedule_visits(patient=patient, request=request, by=pharmacist, zone=ZoneInfo(zone_name))


# --- lists -------------------------------------------------------------------------------------

async def upcoming(*, patient: Patient, by: User, since: datetime, offset: int = 0) -> tuple[list[Visit], int]:
    """One page of the patient's visits still to come (scheduled, from `since`), and how many in all."""
    query = (await access.visits(by)).filter(
        patient_id=patient.id, status=VisitStatus.SCHEDULED, scheduled_at__gte=since)
    total = await query.count()
    rows = await query.order_by("scheduled_at").offset(offset).limit(PAGE).prefetch_related("nurse", "order")
    await access.audit_list(by, "visit", len(rows))
    return rows, total


async def recently_cancelled(*, patient: Patient, by: User) -> list[VisitScheduleChange]:
    """The latest cancellations of the patient's visits, with who and why (the rows stay)."""
    rows = await VisitScheduleChange.filter(
        organization_id=by.organization_id, visit__patient_id=patient.id, visit__status=VisitStatus.CANCELLED,
        kind=ScheduleChangeKind.CANCELLED).order_by("-at").limit(RECENT_CANCELLED).prefetch_related("by", "visit")
    await access.audit_list(by, "visit", len(rows))
    return rows
