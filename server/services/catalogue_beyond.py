"""What a catalogue edit asks before it saves: a row that runs faster or higher than the packaged row (a
higher start or maximum, a shorter step, a higher or no at-risk cap). A walk raised a maximum tenfold, marked
it "organization", and every order followed it with only the unverified banner. Such a row may be the
organization's considered choice, so it is asked on its field until the pharmacist ticks that it is meant; a
maximum ten times the packaged one or more is refused outright (a unit slip, never a protocol)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.clinical.rounding import format_number
from server.errors import FieldError, ValidationFailed

FIELD = "beyond_label"
SLIP = 10  # times the packaged maximum: a decimal point moved


@dataclass(frozen=True)
class Beyond:
    """One value past the packaged row: its field and what the pharmacist is asked."""

    field: str
    reason: str


def _n(value: float) -> str:
    return format_number(value, 3)


def _origin(packaged: dict[str, Any], field: str) -> str:
    """Whose number the packaged row holds ("the label's 5"), so she knows what she is going past."""
    if field in ("start", "max"):
        sources = packaged.get("ladder_source") or []
        origin = sources[0 if field == "start" else -1] if sources else "packaged"
    else:
        origin = packaged.get(f"{field.removesuffix('_min')}_source", "packaged")
    return "the label's" if origin == "label" else f"the packaged row's ({origin})"


def _ladder(row: dict[str, Any], packaged: dict[str, Any], unit: str) -> list[Beyond]:
    found = []
    if row["ladder"][0] > packaged["start_rate"]:
        found.append(Beyond("ladder", f"starts at {_n(row['ladder'][0])} {unit}, above "
                                      f"{_origin(packaged, 'start')} {_n(packaged['start_rate'])}"))
    if row["ladder"][-1] > packaged["max_rate"]:
        times = row["ladder"][-1] / packaged["max_rate"]
        found.append(Beyond("ladder", f"ends at {_n(row['ladder'][-1])} {unit}, {_n(times)} times "
                                      f"{_origin(packaged, 'max')} maximum {_n(packaged['max_rate'])}"))
    return found


def _timing(row: dict[str, Any], packaged: dict[str, Any]) -> list[Beyond]:
    return [Beyond(field, f"{_n(row[field])} min is shorter than {_origin(packaged, field)} {_n(packaged[field])} min")
            for field in ("first_step_min", "step_min") if row[field] < packaged[field]]


def _cap(row: dict[str, Any], packaged: dict[str, Any], unit: str) -> list[Beyond]:
    was, now = packaged.get("at_risk_cap"), row.get("at_risk_cap")
    if was is None:
        return []
    if now is None:
        return [Beyond("at_risk_cap", f"no cap, where the packaged row caps at-risk patients at {_n(was)} {unit}")]
    if now > was or (now == was and packaged.get("at_risk_cap_exclusive") and not row.get("at_risk_cap_exclusive")):
        return [Beyond("at_risk_cap", f"{_n(now)} {unit} lets at-risk patients run faster than the packaged "
                                      f"row's cap ({'below ' if packaged.get('at_risk_cap_exclusive') else ''}{_n(was)})")]
    return []


def beyond_label(row: dict[str, Any], packaged: dict[str, Any]) -> list[Beyond]:
    """Each value of `row` (already shaped by the loader) past the packaged row of its protocol."""
    unit = packaged["rate_unit"]
    return [*_ladder(row, packaged, unit), *_timing(row, packaged), *_cap(row, packaged, unit)]


def check(row: dict[str, Any], packaged: dict[str, Any], *, meant: bool) -> list[Beyond]:
    """The values past the packaged row, once ticked as meant; else raise ValidationFailed naming each, and FIELD.
    A maximum SLIP times the packaged one or more is refused, ticked or not."""
    if row["ladder"][-1] >= SLIP * packaged["max_rate"]:
        message = (f"ladder: the maximum {_n(row['ladder'][-1])} {packaged['rate_unit']} is "
                   f"{_n(row['ladder'][-1] / packaged['max_rate'])} times the packaged maximum "
                   f"{_n(packaged['max_rate'])}; check the unit and the decimal point")
        raise ValidationFailed(message, errors=[FieldError("ladder", message)])
    found = beyond_label(row, packaged)
    if not found or meant:
        return found
    fields: dict[str, list[str]] = {}
    for beyond in found:
        fields.setdefault(beyond.field, []).append(beyond.reason)
    errors = [FieldError(field, f"{field}: {'; '.join(reasons)}") for field, reasons in fields.items()]
    errors.append(FieldError(FIELD, f"{FIELD}: correct the values named, or tick that the row is meant and "
                                    "name its source."))
    raise ValidationFailed("; ".join(e.message for e in errors), errors=errors)
