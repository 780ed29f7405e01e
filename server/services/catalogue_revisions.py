"""A pharmacist's edits and verifications of the organization's catalogue rows.

Nothing is overwritten: each edit or verification appends a `CatalogueRevision` holding the whole row
(so fields added to products.json rows later pass through). An edit leaves the row unverified; a
verification copies the row as it stood, signed with the pharmacist's name and the date. Every edit
is checked by the loader the packaged file goes through, and every read and change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import access, audit
from server.clinical.products import load_products
from server.clinical.shapes import ShapeError
from server.db.catalogue_models import CatalogueRevision, RevisionKind
from server.db.models import User
from server.errors import Conflict, FieldError, NotFound, ValidationFailed
from server.services import catalogue_beyond, org_catalogue

# The clinical values a pharmacist may change; product, concentration and indications are the
# product's identity (orders point at them), and start/max are the ladder's ends.
EDITABLE = (
    "ladder", "ladder_source", "first_step_min", "first_step_source", "step_min", "step_source",
    "at_risk_cap", "at_risk_cap_exclusive", "at_risk_cap_source", "ladder_note", "source",
)
FIELD_NAMES = (*EDITABLE, "start_rate", "max_rate")


@dataclass(frozen=True)
class Current:
    """A row as the organization has it now: `number` 0 is the packaged row."""

    row: dict[str, Any]
    number: int
    revision: CatalogueRevision | None


async def current(organization_id: int, protocol_id: str) -> Current:
    try:
        packaged = org_catalogue.packaged_row(protocol_id)
    except KeyError:
        raise NotFound(f"No protocol {protocol_id} in the catalogue.") from None
    latest = await CatalogueRevision.filter(
        organization_id=organization_id, protocol_id=protocol_id).order_by("-number").first()
    if latest is None:
        return Current(packaged, 0, None)
    return Current(dict(latest.row), latest.number, latest)


async def row_for_edit(user: User, protocol_id: str) -> Current:
    """The row an edit form opens on (audited as a read of that row)."""
    now = await current(user.organization_id, protocol_id)
    await audit.record("catalogue.row_read", actor=access.actor(user), object_type="catalogue_row",
                       object_id=protocol_id, detail={"revision": now.number})
    return now


def _field_of(message: str, loc: tuple[Any, ...]) -> str:
    """The row field a loader error is about: from its location, or named at the start of the
    message of a whole-row check ("ladder must run from start_rate to max_rate")."""
    named = [str(part) for part in loc[2:3]]
    if named:
        return named[0]
    words = message.split()
    return words[0] if words and words[0] in FIELD_NAMES else "row"


def check_row(row: dict[str, Any]) -> None:
    """Raise ValidationFailed naming each field the products loader refuses in `row`."""
    document = org_catalogue.overlay(org_catalogue.packaged_document(), {row["protocol_id"]: row})
    try:
        load_products(document)
        return
    except ShapeError as exc:
        problems = exc.problems
    except ValueError as exc:
        problems = [((), str(exc))]
    errors = []
    for path, text in problems:
        message = text.removeprefix(f"{row['protocol_id']}: ")
        field = _field_of(message, path)
        message = message.removeprefix(f"{field} ")  # "ladder_source must match" -> "must match"
        errors.append(FieldError(field, f"{field.replace('_', ' ')}: {message}"))
    raise ValidationFailed("; ".join(e.message for e in errors), errors=errors) from None


def _label_claims(row: dict[str, Any]) -> None:
    """A step that says the label gives it must be a rate the packaged label row gives: a walk made a step 40
    (ten times the label's 4) and it kept saying "label", on every order of the row."""
    packaged = org_catalogue.packaged_row(row["protocol_id"])
    given = {rate for rate, origin in zip(packaged["ladder"], packaged["ladder_source"] or []) if origin == "label"}
    claimed = [(i, rate) for i, (rate, origin) in enumerate(zip(row["ladder"], row["ladder_source"] or []))
               if origin == "label" and rate not in given]
    if claimed:
        rates = ", ".join(f"step {i + 1} ({rate:g})" for i, rate in claimed)
        message = (f"ladder_source: {rates} is not a rate the label gives ({', '.join(f'{r:g}' for r in sorted(given))}): "
                   "say where it comes from (maker or organization), or correct it")
        raise ValidationFailed(message, errors=[FieldError("ladder_source", message)])


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [key for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]


async def _append(*, pharmacist: User, protocol_id: str, based_on: int, kind: RevisionKind,
                  row: dict[str, Any], reason: str, verified_on: date | None,
                  meant: tuple[str, ...] = ()) -> CatalogueRevision:
    """Append revision `based_on + 1`; a row changed since the form was opened is a conflict."""
    now = await current(pharmacist.organization_id, protocol_id)
    if now.number != based_on:
        raise Conflict(f"{protocol_id} was changed by someone else (revision {now.number}); reload and check again.")
    fields = changed_fields(now.row, row)
    try:
        async with in_transaction("default"):
            revision = await CatalogueRevision.create(
                organization_id=pharmacist.organization_id, protocol_id=protocol_id, number=based_on + 1,
                kind=kind, row=row, reason=reason, author=pharmacist, created_at=datetime.now(timezone.utc),
                verified_on=verified_on)
            await audit.record(f"catalogue.{kind}", actor=access.actor(pharmacist), object_type="catalogue_row",
                               object_id=protocol_id, detail={"revision": revision.number, "fields": fields,
                                                                **({"meant": list(meant)} if meant else {})})
    except IntegrityError:
        raise Conflict(f"{protocol_id} was changed at the same moment; reload and check again.") from None
    return revision


def _reason(text: str, field: str, label: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed(f"{label}: say why", errors=[FieldError(field, f"{label}: this is required")])
    return text


async def edit_row(*, pharmacist: User, protocol_id: str, based_on: int, changes: dict[str, Any],
                   reason: str, beyond_label: bool = False) -> CatalogueRevision:
    """A new revision with `changes` (EDITABLE fields only); the row is unverified until verified again. A row
    past the packaged one is asked about until `beyond_label` says it is meant (catalogue_beyond)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"not editable: {sorted(unknown)}", errors=[FieldError(k, f"{k}: not editable") for k in sorted(unknown)])
    was = (await current(pharmacist.organization_id, protocol_id)).row
    row = {**was, **changes, "verified_on": None}
    ladder = row.get("ladder") or []
    if ladder:
        row["start_rate"], row["max_rate"] = ladder[0], ladder[-1]
    check_row(row)
    _label_claims(row)
    past = catalogue_beyond.check(row, org_catalogue.packaged_row(protocol_id), meant=beyond_label)
    meant = (catalogue_beyond.FIELD,) if past else ()
    if not changed_fields({**was, "verified_on": None}, row):
        raise ValidationFailed("nothing changed", errors=[FieldError("row", "Nothing was changed.")])
    return await _append(pharmacist=pharmacist, protocol_id=protocol_id, based_on=based_on, kind=RevisionKind.EDIT,
                         row=row, reason=_reason(reason, "reason", "Reason"), verified_on=None, meant=meant)


async def verify_row(*, pharmacist: User, protocol_id: str, based_on: int, checked_against: str,
                     today: date) -> CatalogueRevision:
    """The row as it stands, signed by `pharmacist` on `today` after checking it against a source."""
    was = (await current(pharmacist.organization_id, protocol_id)).row
    row = {**was, "verified_on": today.isoformat()}
    check_row(row)
    return await _append(pharmacist=pharmacist, protocol_id=protocol_id, based_on=based_on,
                         kind=RevisionKind.VERIFY, row=row, verified_on=today,
                         reason=_reason(checked_against, "checked_against", "Checked against"))
