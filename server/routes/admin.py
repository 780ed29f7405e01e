"""Administration pages: users, patients, assignments and the audit log (tablets: `admin_devices`).

Every page is for the admin role and stays inside the admin's organization: an object of
another organization answers 404. Forms are CSRF-checked and redirect (303) on success.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import access, audit
from server.db.models import Assignment, AuditEntry, Patient, Role, User
from server.errors import BadRequest, Conflict, Forbidden
from server.routes import admin_devices, forms, guard
from server.routes.admin_pages import done, failed, page
from server.routes.params import MAX_BIGINT, path_id, query_date, query_text, whole_number
from server.services import audit_log, devices, patients, users


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    password: str = Field(min_length=1, max_length=1024)


class ActiveChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool


# --- home and users --------------------------------------------------------------------

async def home(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    counts = {
        "users": await User.filter(organization_id=admin.organization_id, active=True).count(),
        "patients": await (await access.patients(admin)).count(),
        **await devices.counts(admin.organization_id),
    }
    return page(request, "home.html", {"counts": counts, "section": "home"})


async def _users_page(request: Request, admin: User, extra: dict[str, Any], status: int = 200) -> Response:
    members = await User.filter(organization_id=admin.organization_id).order_by("role", "display_name")
    context = {"members": members, "roles": list(Role), "section": "users", "values": {}, "reset": None, **extra}
    return page(request, "users.html", context, status=status)


async def user_list(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    return await _users_page(request, admin, {})


async def user_create(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    form = await forms.read_form(request)
    try:
        data = forms.parse_form(form, UserCreate)
        organization = await admin.organization
        await users.add_user(organization=organization, **data.model_dump(), by=access.actor(admin))
    except (BadRequest, Conflict) as error:
        return await _users_page(request, admin, failed(error, form), status=error.status)
    return done("/admin/users", "user-created")


async def user_set_active(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    form = await forms.read_form(request)
    member = await access.manage_in_organization(admin, User, path_id(request, "user_id"), object_type="user")
    change = forms.parse_form(form, ActiveChange)
    if member.id == admin.id and not change.active:
        await audit.record(
            "user.disable", actor=access.actor(admin), outcome="denied", object_type="user", object_id=admin.id
        )
        raise Forbidden("You cannot disable your own account; ask another administrator.")
    try:
        await users.set_active(user=member, active=change.active, by=access.actor(admin), clock=guard.clock_of(request))
    except Conflict as error:  # a nurse with visits booked: said on the page, beside the button
        return await _users_page(request, admin, failed(error, form), status=error.status)
    return done("/admin/users", "user-enabled" if change.active else "user-disabled")


async def user_reset_password(request: Request) -> Response:
    """A new random password, shown once on this page (never in a URL, a log or a mail)."""
    admin = await guard.require(request, Role.ADMIN)
    await forms.read_form(request)
    member = await access.manage_in_organization(admin, User, path_id(request, "user_id"), object_type="user")
    temporary = await users.reset_password(user=member, by=access.actor(admin))
    return await _users_page(request, admin, {"reset": {"member": member, "password": temporary}})


# --- patients and assignments ------------------------------------------------------------

async def _choices(admin: User) -> dict[str, Any]:
    return {
        "physicians": await patients.org_members(admin.organization_id, Role.PHYSICIAN),
        "nurses": await patients.org_members(admin.organization_id, Role.NURSE),
        "section": "patients",
    }


async def _patients_page(request: Request, admin: User, extra: dict[str, Any], status: int = 200) -> Response:
    rows = await (await access.patients(admin)).order_by("family_name", "given_name").prefetch_related("physician")
    await access.audit_list(admin, "patient", len(rows))
    context = {"patients": rows, "values": {}, **await _choices(admin), **extra}
    return page(request, "patients.html", context, status=status)


async def patient_list(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    return await _patients_page(request, admin, {})


async def patient_create(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    form = await forms.read_form(request)
    try:
        data = forms.parse_form(form, patients.PatientCreate)
        patient = await patients.create_patient(admin=admin, data=data)
    except BadRequest as error:
        return await _patients_page(request, admin, failed(error, form), status=error.status)
    return done(f"/admin/patients/{patient.id}", "patient-created")


def _patient_values(patient: Patient) -> dict[str, Any]:
    return {name: getattr(patient, name) for name in patients.PATIENT_FIELDS}


async def _patient_page(
    request: Request, admin: User, patient: Patient, extra: dict[str, Any], status: int = 200
) -> Response:
    assignments = await Assignment.filter(patient_id=patient.id).order_by("-starts_on").prefetch_related("nurse")
    context = {
        "patient": patient, "assignments": assignments, "today": date.today(),
        "values": _patient_values(patient), "assign_values": {"starts_on": date.today().isoformat()},
        **await _choices(admin), **extra,
    }
    return page(request, "patient.html", context, status=status)


async def patient_show(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    patient = await access.manage_patient(admin, path_id(request, "patient_id"))
    return await _patient_page(request, admin, patient, {})


async def patient_update(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    form = await forms.read_form(request)
    patient = await access.manage_patient(admin, path_id(request, "patient_id"))
    try:
        changes = forms.parse_form(form, patients.PatientUpdate)
        await patients.update_patient(patient=patient, admin=admin, changes=changes)
    except BadRequest as error:
        return await _patient_page(request, admin, patient, failed(error, form), status=error.status)
    return done(f"/admin/patients/{patient.id}", "patient-saved")


async def assignment_create(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    form = await forms.read_form(request)
    patient = await access.manage_patient(admin, path_id(request, "patient_id"))
    try:
        data = forms.parse_form(form, patients.AssignmentCreate)
        await patients.assign_nurse(patient=patient, admin=admin, data=data)
    except BadRequest as error:
        refused = failed(error, form)
        extra = {"assign_values": refused.pop("values"), "assign_error": True, **refused}
        return await _patient_page(request, admin, patient, extra, status=error.status)
    return done(f"/admin/patients/{patient.id}", "assigned")


async def assignment_end(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    await forms.read_form(request)
    assignment_id = path_id(request, "assignment_id")
    assignment = await access.manage_in_organization(admin, Assignment, assignment_id, object_type="assignment")
    patient = await access.manage_patient(admin, assignment.patient_id)
    try:
        await patients.end_assignment(assignment=assignment, admin=admin, clock=guard.clock_of(request))
    except Conflict as error:  # her visits of the patient still booked: said on the page
        extra = {"end_error": error, "field_errors": {}}
        return await _patient_page(request, admin, patient, extra, status=error.status)
    return done(f"/admin/patients/{assignment.patient_id}", "assignment-ended")


# --- audit ---------------------------------------------------------------------------------

def _before(request: Request) -> int | None:
    return whole_number(request, "before", hint="an audit entry id (a whole number).", maximum=MAX_BIGINT)


def _audit_filter(request: Request) -> audit_log.AuditFilter:
    columns = AuditEntry._meta.fields_map
    text = {name: query_text(request, name, max_length=columns[name].max_length)
            for name in ("action", "object_type", "object_id", "outcome")}
    return audit_log.AuditFilter(user_id=whole_number(request, "user", hint="a user id (a whole number)."),
                                 since=query_date(request, "since"), until=query_date(request, "until"), **text)


async def audit_log_page(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    before, wanted, clock = _before(request), _audit_filter(request), guard.clock_of(request)
    entries, older = await audit_log.page(admin.organization_id, wanted, before=before, clock=clock)
    chain = await audit.verify()
    await audit.record("audit.view", actor=access.actor(admin), object_type="audit", detail={"count": len(entries)})
    context = {"entries": entries, "chain": chain, "older": older, "paged": before is not None, "section": "audit",
               "wanted": wanted, "names": await audit_log.names(admin.organization_id), "clock": clock}
    return page(request, "audit.html", context)


routes = [
    Route("/admin", home, methods=["GET"]),
    Route("/admin/users", user_list, methods=["GET"]),
    Route("/admin/users", user_create, methods=["POST"]),
    Route("/admin/users/{user_id:int}/active", user_set_active, methods=["POST"]),
    Route("/admin/users/{user_id:int}/password", user_reset_password, methods=["POST"]),
    Route("/admin/patients", patient_list, methods=["GET"]),
    Route("/admin/patients", patient_create, methods=["POST"]),
    Route("/admin/patients/{patient_id:int}", patient_show, methods=["GET"]),
    Route("/admin/patients/{patient_id:int}", patient_update, methods=["POST"]),
    Route("/admin/patients/{patient_id:int}/assignments", assignment_create, methods=["POST"]),
    Route("/admin/assignments/{assignment_id:int}/end", assignment_end, methods=["POST"]),
    *admin_devices.routes,
    Route("/admin/audit", audit_log_page, methods=["GET"]),
]
