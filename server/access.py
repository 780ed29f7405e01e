"""The one place that decides which patients, orders and visits a user may read or write.

Deny by default (DESIGN section 6):
- nurse: patients with a current assignment, their orders and visits;
- pharmacist: every patient, order and visit of the organization;
- physician: their own patients, and only the visits a pharmacist has reviewed (released): a
  nurse-signed visit awaiting review is not there yet, on every route (pages, API, pull, summaries);
- admin: patient demographics (to manage patients and assignments), no orders or visits;
- biller: the organization's visits a pharmacist has signed off (the record a claim rests on, for the
  payer proof), no patient list and no orders; how many visits still wait for review, as a count only;
- entries kept aside: a pharmacist of the organization reads them whole (`read_held`), accepts or
  rejects them (`decide_held`).

Nothing crosses an organization. An object out of scope is indistinguishable from an absent
one (404). Every read or write of patient data leaves an audit entry, denied attempts too.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Collection, NamedTuple, TypeVar
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

from server import audit
from server.db.models import Assignment, Order, Patient, Role, User, Visit, VisitStatus
from server.errors import AppError, NotFound
from sync.models import Event, Quarantine
from sync.protocol import MAX_VISIT_EVENTS

M = TypeVar("M", bound=Model)

# The physician's whole scope of visits: the pharmacist's review releases a visit; a reopened visit
# waits for its re-review. Every route and the pull read it through `visits` below.
PHYSICIAN_VISIBLE = (VisitStatus.REVIEWED,)
# The biller's: every signed-off visit of the organization, and nothing still open to change.
BILLER_VISIBLE = (VisitStatus.REVIEWED,)


def actor(user: User) -> audit.Actor:
    return audit.Actor(user_id=user.id, organization_id=user.organization_id)


def current_assignment(today: date | None = None) -> Q:
    today = today or date.today()
    return Q(starts_on__lte=today) & (Q(ends_on=None) | Q(ends_on__gte=today))


async def assigned_patient_ids(user: User) -> list[int]:
    rows = await Assignment.filter(
        current_assignment(), nurse_id=user.id, organization_id=user.organization_id
    ).values_list("patient_id", flat=True)
    return list(rows)


async def patients(user: User) -> QuerySet[Patient]:
    query = Patient.filter(organization_id=user.organization_id)
    if user.role == Role.NURSE:
        return query.filter(id__in=await assigned_patient_ids(user))
    if user.role == Role.PHYSICIAN:
        return query.filter(physician_id=user.id)
    if user.role in (Role.PHARMACIST, Role.ADMIN):
        return query
    return query.filter(id__in=[])  # biller: the payer proof names the patient of each visit it lists


async def orders(user: User) -> QuerySet[Order]:
    query = Order.filter(organization_id=user.organization_id)
    if user.role == Role.NURSE:
        return query.filter(patient_id__in=await assigned_patient_ids(user))
    if user.role == Role.PHYSICIAN:
        return query.filter(patient__physician_id=user.id)
    if user.role == Role.PHARMACIST:
        return query
    return query.filter(id__in=[])  # admin: no clinical detail


def physician_may_read(visit: Visit) -> bool:
    """The same rule as `visits` for a visit row already loaded (the physician's inbox)."""
    return visit.status in PHYSICIAN_VISIBLE


async def visits(user: User) -> QuerySet[Visit]:
    query = Visit.filter(organization_id=user.organization_id)
    if user.role == Role.NURSE:
        return query.filter(patient_id__in=await assigned_patient_ids(user))
    if user.role == Role.PHYSICIAN:
        return query.filter(patient__physician_id=user.id, status__in=PHYSICIAN_VISIBLE)
    if user.role == Role.PHARMACIST:
        return query
    if user.role == Role.BILLER:
        return query.filter(status__in=BILLER_VISIBLE)
    return query.filter(id__in=[])


async def counted_visits(user: User) -> QuerySet[Visit]:
    """Visits to be counted, never listed or read: the whole organization's for whoever exports what has been
    signed off (pharmacist, biller: "3 visits of these days still wait for review"); else `visits`."""
    if user.role in (Role.PHARMACIST, Role.BILLER):
        return Visit.filter(organization_id=user.organization_id)
    return await visits(user)


async def _one(user: User, query: QuerySet[M], object_id: Any, *, action: str, object_type: str) -> M:
    found = await query.get_or_none(id=object_id)
    await audit.record(
        action,
        actor=actor(user),
        outcome="ok" if found else "denied",
        object_type=object_type,
        object_id=object_id,
    )
    if found is None:
        raise NotFound(f"No {object_type} {object_id} here.")
    return found


async def manage_in_organization(user: User, model: type[M], object_id: Any, *, object_type: str) -> M:
    """An administrative object (user, device, assignment) of the user's organization, or 404."""
    query = model.filter(organization_id=user.organization_id) if user.role == Role.ADMIN else model.filter(id__in=[])
    return await _one(user, query, object_id, action=f"{object_type}.manage", object_type=object_type)


async def decide_held(user: User, quarantine_id: int) -> Quarantine:
    """An entry kept aside, for a pharmacist of its organization to accept or reject, or 404."""
    query = (Quarantine.filter(organization_id=user.organization_id) if user.role == Role.PHARMACIST
             else Quarantine.filter(id__in=[]))
    return await _one(user, query, quarantine_id, action="quarantine.decide", object_type="quarantine")


async def read_held(user: User, quarantine_id: int) -> Quarantine:
    """An entry kept aside, whole, for a pharmacist of its organization (admins see no content), or 404."""
    query = (Quarantine.filter(organization_id=user.organization_id) if user.role == Role.PHARMACIST
             else Quarantine.filter(id__in=[]))
    return await _one(user, query, quarantine_id, action="quarantine.read", object_type="quarantine")


async def read_patient(user: User, patient_id: int) -> Patient:
    return await _one(user, await patients(user), patient_id, action="patient.read", object_type="patient")


async def manage_patient(user: User, patient_id: int) -> Patient:
    """Admin edits demographics and assignments; pharmacists may too (they run the service)."""
    query = await patients(user) if user.role in (Role.ADMIN, Role.PHARMACIST) else Patient.filter(id__in=[])
    return await _one(user, query, patient_id, action="patient.manage", object_type="patient")


async def read_order(user: User, order_id: int) -> Order:
    return await _one(user, await orders(user), order_id, action="order.read", object_type="order")


async def write_order(user: User, order_id: int) -> Order:
    query = await orders(user) if user.role == Role.PHARMACIST else Order.filter(id__in=[])
    return await _one(user, query, order_id, action="order.write", object_type="order")


async def write_orders_for(user: User, patient_id: int) -> Patient:
    """Only a pharmacist writes orders, for a patient of the organization."""
    query = await patients(user) if user.role == Role.PHARMACIST else Patient.filter(id__in=[])
    return await _one(user, query, patient_id, action="patient.read", object_type="patient")


async def schedule_for(user: User, patient_id: int) -> Patient:
    """Only a pharmacist schedules visits, for a patient of the organization."""
    query = await patients(user) if user.role == Role.PHARMACIST else Patient.filter(id__in=[])
    return await _one(user, query, patient_id, action="patient.schedule", object_type="patient")


async def schedule_visit(user: User, visit_id: UUID | str) -> Visit:
    """Only a pharmacist moves or cancels a visit of the organization."""
    query = await visits(user) if user.role == Role.PHARMACIST else Visit.filter(id__in=[])
    return await _one(user, query, visit_id, action="visit.schedule", object_type="visit")


async def read_visit(user: User, visit_id: UUID | str) -> Visit:
    return await _one(user, await visits(user), visit_id, action="visit.read", object_type="visit")


async def write_visit(user: User, visit_id: UUID | str) -> Visit:
    """Nurses document their assigned patients' visits; pharmacists write review entries."""
    allowed = user.role in (Role.NURSE, Role.PHARMACIST)
    query = await visits(user) if allowed else Visit.filter(id__in=[])
    return await _one(user, query, visit_id, action="visit.write", object_type="visit")


async def audit_refusal(user: User, action: str, object_type: str, object_id: Any, error: AppError) -> None:
    """A change refused (a question not yet answered, a field out of range, a conflict): the log says so, with
    the fields named and never their values. The access check alone read "ok" for a refused save (a walk)."""
    await audit.record(action, actor=actor(user), outcome="refused", object_type=object_type, object_id=object_id,
                       detail={"code": error.code, "fields": sorted({e.field for e in error.errors})})


async def audit_list(user: User, object_type: str, count: int) -> None:
    """A list of patient data was shown: one entry with how many rows, no names."""
    await audit.record(
        f"{object_type}.list", actor=actor(user), object_type=object_type, detail={"count": count}
    )


class WritableVisit(NamedTuple):
    """What a push's checks read of a visit its author may write to: whose it is (the patient), when it
    was due and began (the window its entries' times must fall in, `server.sync_time`), and how many
    entries it holds, counted up to one past the most a visit holds (`sync.protocol.MAX_VISIT_EVENTS`)."""

    patient_id: int
    scheduled_at: datetime
    time_in: datetime | None
    entries: int = 0


async def visit_patients(user: User, visit_ids: list[UUID]) -> dict[UUID, WritableVisit]:
    """Which of `visit_ids` the user may write, each with its patient and its times (`visit_patients_of`)."""
    return (await visit_patients_of([(user, visit_ids)]))[user.id]


async def visit_patients_of(asks: list[tuple[User, Collection[UUID]]]) -> dict[int, dict[UUID, WritableVisit]]:
    """`visit_patients` for several users at once, by user id: a group of pushes asks for all its
    authors in one statement (`ServerPolicy.read_ahead`), where each push asked on its own.

    Every push asks this. For nurses it is plain SQL with the same rule as `visits` (a current
    assignment to the visit's patient; tests/server/test_access_rules.py holds the two to the
    same answers): the ORM spent 1 to 4 ms building that query, a push's largest cost. On
    PostgreSQL one statement text for any number of nurses and visits; SQLite (in-process, no
    round trip) asks per nurse."""
    found: dict[int, dict[UUID, WritableVisit]] = {user.id: {} for user, _ in asks}
    nurses = [(user, list(ids)) for user, ids in asks if ids and user.role == Role.NURSE]
    for user, ids in asks:
        if ids and user.role != Role.NURSE:
            rows = await (await visits(user)).filter(id__in=list(ids)).values("id", "patient_id", "scheduled_at", "time_in")
            counts = await _entries_of([row["id"] for row in rows])
            found[user.id].update({row["id"]: _writable({**row, "entries": counts.get(row["id"], 0)}) for row in rows})
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres" and nurses:
        pairs = [(user, visit_id) for user, ids in nurses for visit_id in ids]
        rows = await connection.execute_query_dict(_NURSES_VISITS, [
            [user.id for user, _ in pairs], [user.organization_id for user, _ in pairs],
            [visit_id for _, visit_id in pairs], date.today()])
        for row in rows:
            found[row["nurse_id"]][UUID(str(row["id"]))] = _writable(row)
        return found
    today = date.today().isoformat()
    for user, ids in nurses:
        rows = await connection.execute_query_dict(_NURSE_VISITS_SQLITE.format(ids=", ".join("?" * len(ids))), [
            user.organization_id, user.id, user.organization_id, today, today, *map(str, ids)])
        found[user.id].update({UUID(str(row["id"])): _writable(row) for row in rows})
    return found


# A visit's entries, counted no further than one past the most a visit holds: a full visit costs no more
_ENTRIES = f"(SELECT count(*) FROM (SELECT 1 FROM event e WHERE e.visit_id = v.id LIMIT {MAX_VISIT_EVENTS + 1}) n) AS entries"
_NURSES_VISITS = (  # PostgreSQL: (nurse, organization, visit) asked in three arrays, $4 today
    f"SELECT w.nurse_id, v.id, v.patient_id, v.scheduled_at, v.time_in, {_ENTRIES} "
    "FROM unnest($1::int[], $2::int[], $3::uuid[]) AS w(nurse_id, organization_id, visit_id) "
    "JOIN visit v ON v.id = w.visit_id AND v.organization_id = w.organization_id "
    "WHERE EXISTS (SELECT 1 FROM assignment a WHERE a.nurse_id = w.nurse_id AND a.organization_id = w.organization_id "
    "AND a.patient_id = v.patient_id AND a.starts_on <= $4 AND (a.ends_on IS NULL OR a.ends_on >= $4))")
_NURSE_VISITS_SQLITE = (  # the same rule for one nurse: organization, nurse, organization, today twice, the visits
    f"SELECT v.id, v.patient_id, v.scheduled_at, v.time_in, {_ENTRIES} FROM visit v WHERE v.organization_id = ? "
    "AND v.patient_id IN (SELECT a.patient_id FROM assignment a WHERE a.nurse_id = ? AND a.organization_id = ? "
    "AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)) AND v.id IN ({ids})")


def _writable(row: dict[str, Any]) -> WritableVisit:
    return WritableVisit(int(row["patient_id"]), _moment(row["scheduled_at"]), _moment(row["time_in"]), int(row["entries"]))


async def _entries_of(visit_ids: list[UUID]) -> dict[UUID, int]:
    """The entries of each visit (a desk's push: a pharmacist's few visits), as `_ENTRIES` counts them."""
    if not visit_ids:
        return {}
    rows = await Event.filter(visit_id__in=visit_ids).group_by("visit_id").annotate(n=Count("id")).values("visit_id", "n")
    return {UUID(str(row["visit_id"])): min(row["n"], MAX_VISIT_EVENTS + 1) for row in rows}


def _moment(value: Any) -> Any:
    """A stored time as an aware datetime (SQLite's driver gives text; times are stored in UTC)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
