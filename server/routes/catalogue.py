"""The pharmacist's catalogue pages: the organization's rows, one row's history with what each
revision changed, the edit form and the verification. Rows are named by `?protocol=` (they are the
same ids in every organization); what a pharmacist writes is appended, never overwritten."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.db.models import Role, User
from server.errors import BadRequest, FieldError, ValidationFailed
from server.routes import forms, guard
from server.services import at_risk_policy, catalogue, catalogue_history, catalogue_revisions, org_catalogue
from server.templating import render

ORIGINS = ("label", "maker", "organization", "generated")
LISTS = ("ladder", "ladder_source")
NUMBERS = ("first_step_min", "step_min", "at_risk_cap")
TEXTS = ("first_step_source", "step_source", "at_risk_cap_source", "ladder_note", "source")


def _protocol_id(value: Any) -> str:
    text = str(value or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", text):
        raise BadRequest("Name a protocol of the catalogue.")
    return text


def _number(text: str, field: str) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed(f"{field}: {text!r} is not a number",
                               errors=[FieldError(field, f"{field.replace('_', ' ')}: {text!r} is not a number")]) from None
    return int(value) if value.is_integer() and "." not in text else value


def values_of_row(row: dict[str, Any]) -> dict[str, str]:
    """The form's text for each editable field of `row`."""
    shown = catalogue_history.shown
    values = {name: shown(row.get(name)) if row.get(name) is not None else "" for name in (*NUMBERS, *TEXTS)}
    values.update(ladder=shown(row["ladder"]), ladder_source=shown(row["ladder_source"]), reason="", beyond_label="",
                  at_risk_cap_exclusive="on" if row.get("at_risk_cap_exclusive") else "")
    return values


def changes_from(values: dict[str, str]) -> dict[str, Any]:
    """The submitted text in the row's shape; the products loader checks the rest."""
    changes: dict[str, Any] = {
        "ladder": [_number(item, "ladder") for item in re.split(r"[,;\s]+", values["ladder"]) if item],
        "ladder_source": [item for item in re.split(r"[,;\s]+", values["ladder_source"]) if item],
        "at_risk_cap_exclusive": values["at_risk_cap_exclusive"] == "on",
    }
    for name in NUMBERS:
        changes[name] = _number(values[name], name) if values[name] else None
    for name in TEXTS:
        changes[name] = values[name] or (None if name == "ladder_note" else "")  # the loader says "required"
    return changes


def _form_values(form: FormData) -> dict[str, str]:
    names = (*LISTS, *NUMBERS, *TEXTS, "at_risk_cap_exclusive", "reason", "beyond_label")
    return {name: str(form.get(name, "")).strip() for name in names}


async def _catalogue_page(request: Request, pharmacist: User, error: ValidationFailed | None = None,
                          values: dict[str, Any] | None = None) -> Response:
    policy = {
        "at_risk_cap": await at_risk_policy.shown_for(pharmacist),
        "at_risk_bounds": (at_risk_policy.CAP_LOW, at_risk_policy.CAP_HIGH),
        "policy_error": error, "policy_errors": {e.field: e.message for e in error.errors} if error else {},
        "policy_values": values or {}, "policy_saved": request.query_params.get("done") == "at-risk-cap-saved",
    }
    context = {**await catalogue.page_for(pharmacist), **policy}
    return render(request, "pharmacy/catalogue.html", context, status=error.status if error else 200)


async def index(request: Request) -> Response:
    """The organization's catalogue, each row with its provenance and who verified it when; and the
    organization's default at-risk cap."""
    pharmacist = await guard.require(request, Role.PHARMACIST)
    return await _catalogue_page(request, pharmacist)


async def at_risk_cap_update(request: Request) -> Response:
    """Set (or clear, with an empty value) the organization's default at-risk cap; audited."""
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    try:
        data = forms.parse_form(form, at_risk_policy.AtRiskCapSetting)
    except ValidationFailed as error:
        return await _catalogue_page(request, pharmacist, error, {k: str(v) for k, v in form.items()})
    await at_risk_policy.set_at_risk_cap(pharmacist=pharmacist, data=data)
    return RedirectResponse("/pharmacy/catalogue?done=at-risk-cap-saved#at-risk-heading", status_code=303)


async def _row_page(request: Request, pharmacist: User, protocol_id: str,
                    error: ValidationFailed | None = None) -> Response:
    history = await catalogue_history.history_for(pharmacist, protocol_id)
    protocol = (await org_catalogue.catalog_for(pharmacist.organization_id)).protocol(protocol_id)
    context = {**history, "view": catalogue.row_view(protocol), "error": error,
               "field_errors": {e.field: e.message for e in error.errors} if error else {}}
    return render(request, "pharmacy/catalogue_row.html", context, status=error.status if error else 200)


async def row_history(request: Request) -> Response:
    """One row as it stands, what each revision changed, how it differs from the packaged row, and the
    verification form."""
    pharmacist = await guard.require(request, Role.PHARMACIST)
    return await _row_page(request, pharmacist, _protocol_id(request.query_params.get("protocol")))


def _edit_page(request: Request, now: catalogue_revisions.Current, protocol_id: str, values: dict[str, str],
               error: ValidationFailed | None = None) -> Response:
    context = {"protocol_id": protocol_id, "row": now.row, "number": now.number, "values": values,
               "origins": ORIGINS, "error": error, "field_errors": {e.field: e.message for e in error.errors} if error else {}}
    return render(request, "pharmacy/catalogue_edit.html", context, status=error.status if error else 200)


async def edit_form(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    protocol_id = _protocol_id(request.query_params.get("protocol"))
    now = await catalogue_revisions.row_for_edit(pharmacist, protocol_id)
    return _edit_page(request, now, protocol_id, values_of_row(now.row))


async def edit(request: Request) -> Response:
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    protocol_id = _protocol_id(form.get("protocol_id"))
    now = await catalogue_revisions.current(pharmacist.organization_id, protocol_id)
    values = _form_values(form)
    try:
        await catalogue_revisions.edit_row(pharmacist=pharmacist, protocol_id=protocol_id, based_on=_based_on(form),
                                           changes=changes_from(values), reason=values["reason"],
                                           beyond_label=values["beyond_label"] == "on")
    except ValidationFailed as error:
        return _edit_page(request, now, protocol_id, values, error)
    return RedirectResponse(f"/pharmacy/catalogue/row?protocol={protocol_id}", status_code=303)


def _based_on(form: FormData) -> int:
    text = str(form.get("based_on", ""))
    if not text.isdigit():
        raise BadRequest("The form lost which revision it was opened on; reload it.")
    return int(text)


async def verify(request: Request) -> Response:
    """Sign the row as it stands with the pharmacist's name and today's date (the organization's day)."""
    pharmacist = await guard.require(request, Role.PHARMACIST)
    form = await forms.read_form(request)
    protocol_id = _protocol_id(form.get("protocol_id"))
    today = guard.clock_of(request).local(datetime.now(timezone.utc)).date()  # type: ignore[union-attr]
    try:
        await catalogue_revisions.verify_row(pharmacist=pharmacist, protocol_id=protocol_id, based_on=_based_on(form),
                                             checked_against=str(form.get("checked_against", "")), today=today)
    except ValidationFailed as error:
        return await _row_page(request, pharmacist, protocol_id, error)
    return RedirectResponse(f"/pharmacy/catalogue/row?protocol={protocol_id}", status_code=303)


routes = [
    Route("/pharmacy/catalogue", index, methods=["GET"]),
    Route("/pharmacy/catalogue/row", row_history, methods=["GET"]),
    Route("/pharmacy/catalogue/edit", edit_form, methods=["GET"]),
    Route("/pharmacy/catalogue/edit", edit, methods=["POST"]),
    Route("/pharmacy/catalogue/verify", verify, methods=["POST"]),
    Route("/pharmacy/at-risk-cap", at_risk_cap_update, methods=["POST"]),
]
