"""The usual dose of a drug by a route (data/usual_doses.json, each row with its source), which an order's
premedication and PRN doses are held to at entry. A walk saved acetaminophen 650 g: a unit slip, a
thousand times the dose. Mass units are compared on one scale (visit_rules.amount_of); a dose in mL or
units, or a drug or route the table does not hold, is not judged, as no source says what it should be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from server.clinical.rounding import format_number
from server.clinical.shapes import checker, data_file
from server.clinical.visit_rules import amount_of

UNIT_SLIP = 10  # a dose this many times beyond the usual range reads as a unit or a decimal point slipped


@dataclass(frozen=True)
class UsualDose:
    drug: str
    route: str
    unit: str
    low: float
    high: float
    source: str

    def text(self) -> str:
        """"325–650 mg PO", or "0.3 mg IM" where the source gives one dose."""
        low, high = format_number(self.low, 3), format_number(self.high, 3)
        return f"{low if low == high else f'{low}–{high}'} {self.unit} {self.route}"


def load_usual_doses(data: Mapping[str, Any] | None = None) -> dict[tuple[str, str], UsualDose]:
    """The table keyed by (drug in lower case, route), from `data` or the packaged file."""
    checked = checker("usual_doses")(data_file("usual_doses.json") if data is None else data, "usual_doses")
    return {(row["drug"].casefold(), row["route"]): UsualDose(**row) for row in checked["doses"]}


DEFAULT_USUAL_DOSES = load_usual_doses()


def usual_of(drug: str, route: str, table: Mapping[tuple[str, str], UsualDose] = DEFAULT_USUAL_DOSES) -> UsualDose | None:
    """The table's row for this drug by this route, if it holds one."""
    return table.get((drug.strip().casefold(), route))


@dataclass(frozen=True)
class Beyond:
    """A dose outside its usual one: why, and whether a pharmacist may keep it as meant. A dose ten times the
    usual highest or more is a unit or decimal slip, never a prescription (no adult or child takes ten
    times the adult dose at once), so it has no "meant"; one below the usual range may be a child's."""

    reason: str
    may_be_meant: bool


def beyond_usual(drug: str, dose: float, unit: str, route: str,
                 table: Mapping[tuple[str, str], UsualDose] = DEFAULT_USUAL_DOSES) -> Beyond | None:
    """How this dose is outside its drug's usual dose by this route ("acetaminophen 650 g PO is outside the
    usual 325–650 mg PO (source): 1,000 times its highest; check the unit"), or None."""
    usual = usual_of(drug, route, table)
    scale, given = amount_of(dose, unit)
    if usual is None or scale != "mass":
        return None
    low, high = amount_of(usual.low, usual.unit)[1], amount_of(usual.high, usual.unit)[1]
    if low <= given <= high:
        return None
    times = given / high if given > high else low / given
    slip = f": {times:,.0f} times its {'highest' if given > high else 'lowest'}; check the unit" \
        if times >= UNIT_SLIP else ""
    reason = f"{drug} {format_number(dose, 3)} {unit} {route} is outside the usual {usual.text()} ({usual.source}){slip}"
    return Beyond(reason, may_be_meant=not (given > high and times >= UNIT_SLIP))
