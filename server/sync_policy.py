"""The server's answers to the sync engine's questions (sync.policy.Policy).

Who pushes (the session), whether each event is valid (the clinical schemas) and writable
(`server.access`), what a user may pull, and how accepted events change the Visit rows.
Order-dependent checks (a rate change before its infusion start arrives from another tablet)
never quarantine: arrival order is not clinical order offline; the fold reports them instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from starlette.requests import Request

from server import access, audit, sync_time
from server.auth import sessions
from server.clinical.events import check_event
from server.clinical.problems import EventInvalid
from server.db.models import AuditEntry, Order, Role, User, Visit
from server.errors import NotAuthenticated
from server.routes import guard
from server.services import visits as visit_service
from server.services import folds, visit_orders, write_rules
from server.services.projector import Projector
from sync.append import Rows
from sync.policy import AuditRecord, Candidate, Principal, ReadScope, Refusal
from sync.quota import HeldQuota
from sync.rate import PushRateLimit

# One answer for "not yours" and "does not exist": the pusher learns nothing about visits she may not
# write. The audit trail keeps the precise reason for the pharmacy (`_audit_not_writable`).
NOT_WRITABLE = Refusal("not_writable", "This entry was kept aside: the server cannot add it to this visit for you. "
                                       "If you started this visit on this tablet, sync again and then correct "
                                       "the entry; otherwise ask the pharmacy to check your assignment.")
WRONG_PATIENT = Refusal("wrong_patient", "This visit is scheduled for another patient. Check the chart, then "
                                         "start the visit from the right patient.")
NO_ORDER = Refusal("no_active_order", "This patient has no active order, so the visit cannot be started. "
                                      "Call the pharmacy.")


@dataclass(frozen=True)
class UserPrincipal(Principal):
    """A principal that carries the user its session already loaded, so judging a push does
    not read the user again (it is the same request, so the same authority)."""

    user: User | None = field(default=None, compare=False, repr=False)


async def _user_of(principal: Principal) -> User:
    if isinstance(principal, UserPrincipal) and principal.user is not None:
        return principal.user
    return await User.get(id=principal.user_id)


class ServerPolicy:
    def __init__(self, projector: Projector | None = None, held_quota: HeldQuota = HeldQuota(),
                 push_rate: PushRateLimit = PushRateLimit()) -> None:
        """With a projector, pushed visits are folded soon after (tablet pushes); without one,
        at once (a desk action, whose author reloads the page expecting to see its effect).
        `held_quota`: what one user or tablet may have kept aside in a day; `push_rate`: how fast
        one user may push (both from settings)."""
        self.projector = projector
        self.held_quota = held_quota
        self.push_rate = push_rate
        self.trail = AUDIT_CHAIN

    async def authenticate(self, request: Request, *, push: bool = False) -> Principal:
        user = await guard.require(request, Role.NURSE, Role.PHARMACIST, Role.PHYSICIAN,
                                   push_rate=self.push_rate if push else None)
        auth = request.state.auth
        # A session bound to a tablet resolves only while that tablet is live and this user's
        # (server.auth.sessions.resolve), so the push need not read the device again.
        return UserPrincipal(user_id=user.id, organization_id=user.organization_id, device_id=auth.session.device_id,
                             device_checked=auth.session.device_id is not None, user=user, push_token=auth.push_token)

    async def authenticate_surrender(self, request: Request) -> Principal:
        """A revoked tablet's own session, live at its revocation (`sessions.resolve_surrender`)."""
        auth = await sessions.resolve_surrender(request.cookies.get(sessions.COOKIE_NAME))
        if auth is None:
            raise NotAuthenticated("Only a session this tablet held when it was revoked may hand over its entries.")
        user, device_id = auth.user, auth.session.device_id
        return UserPrincipal(user_id=user.id, organization_id=user.organization_id, device_id=device_id,
                             device_checked=True, user=user)

    def check(self, candidate: Candidate) -> Refusal | None:
        """The clinical schemas (server.clinical): the payload alone, valid or not; then its
        times against the server's clock (`server.sync_time`)."""
        try:
            check_event(candidate.kind, candidate.schema, candidate.payload)
        except EventInvalid as error:
            return Refusal(error.code, str(error))
        return sync_time.check_clock(candidate, datetime.now(timezone.utc))

    async def read_ahead(self, asks: list[tuple[Principal, set[UUID]]]) -> dict[int, dict[UUID, access.WritableVisit]]:
        """The write scope of every author of a group of pushes, in one query (`access.visit_patients_of`)."""
        users: dict[int, tuple[User, set[UUID]]] = {}
        for principal, visit_ids in asks:
            user = await _user_of(principal)
            users.setdefault(user.id, (user, set()))[1].update(visit_ids)
        return await access.visit_patients_of(list(users.values()))

    async def judge(self, principal: Principal, candidates: list[Candidate],
                    ahead: dict[int, dict[UUID, access.WritableVisit]] | None = None) -> dict[UUID, Refusal]:
        """Role, then write scope, then the state and authorship rules of `write_rules` (the same the
        desk applies), then the visit's room, counting only the entries that pass every other rule. A visit's own `visit.started` is judged first, whatever its place in the push.
        `ahead`: the write scopes `read_ahead` read for the push's group."""
        user = await _user_of(principal)
        refusals = {c.id: r for c in candidates if (r := write_rules.role_refusal(user, c.kind))}
        valid = sorted((c for c in candidates if c.id not in refusals), key=lambda c: c.kind != "visit.started")
        writable, scope = await _scope_refusals(user, valid, None if ahead is None else ahead.get(user.id))
        refusals.update(scope)
        valid = [c for c in valid if c.id not in refusals]
        refusals.update(sync_time.outside_visits(valid, writable))  # times far outside the visit
        valid = [c for c in valid if c.id not in refusals]
        refusals.update(await write_rules.correction_refusals(user, valid))
        refusals.update(await write_rules.status_refusals(user.organization_id, valid))
        valid = [c for c in valid if c.id not in refusals]  # the room left counts only what will be stored
        refusals.update(write_rules.full_visit_refusals(valid, {v: w.entries for v, w in writable.items()}))
        return refusals

    async def readable(self, principal: Principal) -> ReadScope:
        user = await _user_of(principal)
        if user.role == Role.PHARMACIST:
            return ReadScope(user.organization_id, None)
        ids = await (await access.visits(user)).values_list("id", flat=True)
        return ReadScope(user.organization_id, frozenset(ids))

    async def project(self, principal: Principal, visit_ids: set[UUID]) -> None:
        folds.forget_contexts()  # the log was written: this request's next contexts are read afresh
        if self.projector is not None:
            self.projector.mark(visit_ids)
            return
        for visit in await Visit.filter(id__in=list(visit_ids), organization_id=principal.organization_id):
            await visit_service.project(visit)

    async def record(self, action: str, principal: Principal, *, outcome: str, detail: dict[str, Any]) -> None:
        await audit.record_many([_record(AuditRecord(action, principal, outcome, detail))])


class AuditChain:
    """The audit chain as a group of pushes appends to it (sync.policy.AuditTrail)."""

    end_query = audit.END_QUERY

    def rows(self, records: list[AuditRecord], end: dict[str, Any] | None) -> Rows:
        entries = audit.chain([_record(item) for item in records], audit.end_of(end))
        return Rows(AuditEntry._meta.db_table, audit.COLUMNS, audit.POSTGRES_TYPES, audit.postgres_values(entries))

    async def append(self, connection: Any, records: list[AuditRecord], end: dict[str, Any] | None) -> None:
        await audit.append(connection, [_record(item) for item in records], audit.end_of(end))


AUDIT_CHAIN = AuditChain()  # one for every ServerPolicy: a group's records, whoever decided them, share one append


def _record(item: AuditRecord) -> audit.Record:
    actor = audit.Actor(user_id=item.principal.user_id, organization_id=item.principal.organization_id)
    return audit.Record(item.action, actor, outcome=item.outcome, object_type="device",
                        object_id=item.detail.get("device_id", ""), detail=item.detail)


async def _scope_refusals(user: User, candidates: list[Candidate], ahead: dict[UUID, access.WritableVisit] | None
                          ) -> tuple[dict[UUID, access.WritableVisit], dict[UUID, Refusal]]:
    """The visits `user` may write (one query), and the events outside them; a nurse's own
    `visit.started` may create its visit (scheduled at its own time, not yet begun)."""
    refusals: dict[UUID, Refusal] = {}
    writable = await _writable(user, list({c.visit_id for c in candidates}), ahead)
    for candidate in candidates:
        if candidate.visit_id in writable:
            if candidate.kind == "visit.started" and _patient_id(candidate) != writable[candidate.visit_id].patient_id:
                refusals[candidate.id] = WRONG_PATIENT
            continue
        if candidate.kind == "visit.started":
            refusal = sync_time.unscheduled_start(candidate) or await _start_visit(user, candidate)
        else:
            refusal = NOT_WRITABLE
        if refusal is None:
            writable[candidate.visit_id] = access.WritableVisit(_patient_id(candidate), candidate.occurred_at, None)
        else:
            refusals[candidate.id] = refusal
    await _audit_not_writable(user, [c for c in candidates if refusals.get(c.id) is NOT_WRITABLE])
    return writable, refusals


async def _writable(user: User, visit_ids: list[UUID], ahead: dict[UUID, access.WritableVisit] | None
                    ) -> dict[UUID, access.WritableVisit]:
    """The user's write scope among `visit_ids`: what the group read ahead, and a read of only
    the visits it did not find (one the group's own transaction created since, or a refusal)."""
    if ahead is None:
        return await access.visit_patients(user, visit_ids)
    missing = [visit_id for visit_id in visit_ids if visit_id not in ahead]
    writable = {visit_id: ahead[visit_id] for visit_id in visit_ids if visit_id in ahead}
    return {**writable, **(await access.visit_patients(user, missing))} if missing else writable


async def _audit_not_writable(user: User, refused: list[Candidate]) -> None:
    """The precise reason, for the pharmacy's audit log only: unassigned, or no such visit here."""
    if not refused:
        return
    known = set(await Visit.filter(id__in=list({c.visit_id for c in refused}),
                                   organization_id=user.organization_id).values_list("id", flat=True))
    await audit.record_many([
        audit.Record("sync.not_writable", access.actor(user), outcome="denied", object_type="visit",
                     object_id=c.visit_id, detail={"event_id": str(c.id), "kind": c.kind,
                                                   "reason": "not_assigned" if c.visit_id in known else "unknown_visit"})
        for c in refused])


async def _start_visit(user: User, candidate: Candidate) -> Refusal | None:
    """A nurse may start an unscheduled visit offline for a patient she is assigned to."""
    if user.role != Role.NURSE or await Visit.exists(id=candidate.visit_id):
        return NOT_WRITABLE
    patient_id = _patient_id(candidate)
    patients = await access.patients(user)
    if patient_id is None or not await patients.filter(id=patient_id).exists():
        return NOT_WRITABLE
    order = await _order_for(patient_id, _int_id(candidate.payload.get("order_id")))
    if order is None:
        return NO_ORDER
    await Visit.create(id=candidate.visit_id, organization_id=user.organization_id, patient_id=patient_id,
                       order=order, nurse=user, scheduled_at=candidate.occurred_at)
    await audit.record("visit.create", actor=access.actor(user), object_type="visit", object_id=candidate.visit_id)
    return None


def _patient_id(candidate: Candidate) -> int | None:
    return _int_id(candidate.payload.get("patient_id"))


def _int_id(value: Any) -> int | None:
    """Payload ids are text (the tablet's JSON); our patients and orders have whole-number ids."""
    return int(value) if isinstance(value, str) and value.isdigit() else None


async def _order_for(patient_id: int, order_id: int | None) -> Order | None:
    if order_id is None:
        return await visit_orders.main_orders(patient_id).first()
    return await Order.filter(patient_id=patient_id, active=True, id=order_id).first()
