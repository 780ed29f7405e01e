"""A catalogue edit that runs faster or higher than the packaged row is asked about on its field until the
pharmacist ticks that it is meant; a maximum ten times the packaged one is refused outright. A walk raised a
maximum tenfold, marked it "organization", and every order followed it. Generated over every packaged row and
every way a row can go past it (a higher start or maximum, a shorter step, a higher or no at-risk cap)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from server.clinical.rounding import format_number
from server.db.catalogue_models import CatalogueRevision
from server.db.models import AuditEntry
from server.services import org_catalogue
from tests.server.test_catalogue_revisions import post_form  # noqa: F401 (the fixture)

ROWS = [row for row in org_catalogue.packaged_document()["products"] if row["kind"] == "weight_titration"]
Row = dict[str, Any]


def shown(values: list[float]) -> str:
    return ", ".join(format_number(v, 4) for v in values)


def form_of(row: Row, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it for the packaged `row`, with `changes`."""
    form = {
        "protocol_id": row["protocol_id"], "based_on": "0", "ladder": shown(row["ladder"]),
        "ladder_source": ", ".join(row["ladder_source"]), "first_step_min": str(row["first_step_min"]),
        "first_step_source": row["first_step_source"], "step_min": str(row["step_min"]), "step_source": row["step_source"],
        "at_risk_cap": "" if row["at_risk_cap"] is None else format_number(row["at_risk_cap"], 4),
        "at_risk_cap_exclusive": "on" if row["at_risk_cap_exclusive"] else "",
        "at_risk_cap_source": row["at_risk_cap_source"], "ladder_note": row["ladder_note"] or "",
        "source": row["source"], "reason": "our infusion committee's protocol, minutes of 2026-11-30",
    }
    return {**form, **changes}


def with_last_step(row: Row, rate: float) -> dict[str, str]:
    sources = [*row["ladder_source"][:-1], "organization"]
    return {"ladder": shown([*row["ladder"][:-1], rate]), "ladder_source": ", ".join(sources)}


def higher_maximum(row: Row) -> dict[str, str]:
    return with_last_step(row, row["max_rate"] * 1.5)


def higher_start(row: Row) -> dict[str, str]:
    start = round((row["ladder"][0] + row["ladder"][1]) / 2, 4)
    return {"ladder": shown([start, *row["ladder"][1:]]), "ladder_source": ", ".join(["organization", *row["ladder_source"][1:]])}


def shorter_first_step(row: Row) -> dict[str, str]:
    return {"first_step_min": str(row["first_step_min"] - 5), "first_step_source": "organization"}


def shorter_steps(row: Row) -> dict[str, str]:
    return {"step_min": str(row["step_min"] - 5), "step_source": "organization"}


def no_cap(row: Row) -> dict[str, str]:
    return {"at_risk_cap": "", "at_risk_cap_exclusive": ""}


def higher_cap(row: Row) -> dict[str, str]:
    return {"at_risk_cap": format_number(round((row["at_risk_cap"] + row["max_rate"]) / 2, 2), 4)}


def cap_itself_allowed(row: Row) -> dict[str, str]:
    return {"at_risk_cap_exclusive": ""}


LADDER_CHANGES = (higher_maximum, higher_start)
PAST = [(higher_maximum, "ladder"), (higher_start, "ladder"), (shorter_first_step, "first_step_min"),
        (shorter_steps, "step_min"), (no_cap, "at_risk_cap"), (higher_cap, "at_risk_cap"),
        (cap_itself_allowed, "at_risk_cap")]


def rows_for(change: Callable[[Row], dict[str, str]]) -> list[Row]:
    """The rows `change` applies to: a cap needs one, and a row with a subsequent infusions' ladder keeps its
    ends (the form does not edit that ladder, which must run between them)."""
    if change in (no_cap, higher_cap):
        return [row for row in ROWS if row["at_risk_cap"] is not None]
    if change is cap_itself_allowed:
        return [row for row in ROWS if row["at_risk_cap_exclusive"]]
    return [row for row in ROWS if "subsequent" not in row or change not in LADDER_CHANGES]


def field_error(page: str) -> list[str]:
    return [part.split("</span>", 1)[0] for part in page.split('<span class="field-error">')[1:]]


@pytest.mark.parametrize(("change", "field"), PAST, ids=[change.__name__ for change, _ in PAST])
async def test_an_edit_past_the_packaged_row_is_asked_on_its_field_until_it_is_said_to_be_meant(
    client_factory, pharmacist_pia, post_form, change, field  # noqa: F811
):
    desk = await client_factory(pharmacist_pia)
    for row in rows_for(change):
        form = form_of(row, **change(row))
        asked = await post_form(desk, "/pharmacy/catalogue/edit", form)
        assert asked.status_code == 422, (row["protocol_id"], asked.text[:400])
        errors = field_error(asked.text)
        assert any(e.startswith({"ladder": "Steps", "first_step_min": "First step", "step_min": "Each later step",
                                 "at_risk_cap": "At-risk cap"}[field]) for e in errors), (row["protocol_id"], errors)
        assert 'name="beyond_label"' in asked.text and any(e.startswith("Past the packaged row") for e in errors)
        assert not await CatalogueRevision.filter(protocol_id=row["protocol_id"]).exists()
        assert (await post_form(desk, "/pharmacy/catalogue/edit", {**form, "beyond_label": "on"})).status_code == 303
        entry = await AuditEntry.filter(action="catalogue.edit", object_id=row["protocol_id"]).get()
        assert entry.detail["meant"] == ["beyond_label"]


@pytest.mark.parametrize("row", rows_for(higher_maximum), ids=[row["protocol_id"] for row in rows_for(higher_maximum)])
async def test_a_maximum_ten_times_the_packaged_one_is_refused_even_when_ticked(
    client_factory, pharmacist_pia, post_form, row  # noqa: F811
):
    desk = await client_factory(pharmacist_pia)
    form = form_of(row, **with_last_step(row, row["max_rate"] * 10), beyond_label="on")
    refused = await post_form(desk, "/pharmacy/catalogue/edit", form)
    assert refused.status_code == 422 and "10 times the packaged maximum" in refused.text
    assert "check the unit and the decimal point" in refused.text
    assert not await CatalogueRevision.exists()


def slower(row: Row) -> dict[str, str]:
    """The row made more cautious everywhere: one step fewer, longer steps, a lower (or a first) cap."""
    ladder = row["ladder"][:-1] if len(row["ladder"]) > 2 and "subsequent" not in row else row["ladder"]
    middle = round((ladder[0] + ladder[-1]) / 2, 3)
    cap = min(row["at_risk_cap"] or middle, middle)
    return {"ladder": shown(ladder), "ladder_source": ", ".join(row["ladder_source"][:len(ladder)]),
            "first_step_min": str(row["first_step_min"] + 15), "step_min": str(row["step_min"] + 15),
            "first_step_source": "organization", "step_source": "organization",
            "at_risk_cap": format_number(cap, 4), "at_risk_cap_exclusive": "on" if row["at_risk_cap_exclusive"] else ""}


@pytest.mark.parametrize("row", ROWS, ids=[row["protocol_id"] for row in ROWS])
async def test_an_edit_that_only_slows_the_row_is_not_asked(client_factory, pharmacist_pia, post_form, row):  # noqa: F811
    desk = await client_factory(pharmacist_pia)
    saved = await post_form(desk, "/pharmacy/catalogue/edit", form_of(row, **slower(row)))
    assert saved.status_code == 303, field_error(saved.text)
    entry = await AuditEntry.filter(action="catalogue.edit").get()
    assert "meant" not in entry.detail
