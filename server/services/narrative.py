"""FHIR narratives (XHTML) for the summary Bundle. Every piece of text is escaped here.

A note typed on a tablet can hold anything, `<script>` included; a receiving system that renders
the narrative must see it as text. So nothing enters a `div` except through `paragraph` or
`items`, which escape it, and the only markup is the fixed tags written below.
"""

from __future__ import annotations

from html import escape
from typing import Any

from server.field_words import BASIS_WORDS
from server.services import fhir_codes as codes
from server.services import catalogue_names
from server.services.bottom_line import bottom_line
from server.services.entry_text import describe, vitals_text
from server.services.order_volume import dose_given
from server.services.summary import VisitSummary

XHTML = "http://www.w3.org/1999/xhtml"


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def items(texts: list[str]) -> str:
    if not texts:
        return paragraph("None recorded.")
    return "<ul>" + "".join(f"<li>{escape(text)}</li>" for text in texts) + "</ul>"


def div(*parts: str) -> str:
    return f'<div xmlns="{XHTML}">{"".join(parts)}</div>'


def generated(*parts: str) -> dict[str, str]:
    return {"status": "generated", "div": div(*parts)}


def _dose_line(s: VisitSummary) -> str:
    infusion = s.state["infusion"]
    amount, ordered, unit = dose_given(s.order, infusion)
    given = f"{amount:g} {unit} given ({BASIS_WORDS[infusion['grams_basis']]})"
    return f"Dose: {ordered:g} {unit} ordered, {given}" if ordered is not None else f"Dose: {given}"


def unverified_protocol_lines(s: VisitSummary) -> list[str]:
    """The same warning the page and PDF show (summary/_unverified_protocol.html), as a line."""
    protocol = s.state["protocol"]
    if protocol["rates_note"]:
        return [f"Rates not verified: {protocol['product_name']}: {protocol['rates_note']}. The visit ran on the "
                "order's own mL/h steps; no label maximum bounds them."]
    if protocol["basis"] != "label" or protocol["verified_on"] is not None:
        return []
    return [f"Unverified protocol: the rate steps of {protocol['product_name']} ({protocol['id']}) have not been "
            "verified by a pharmacist of this organization against the label."]


def lot_product(state: dict[str, Any], lot: dict[str, Any]) -> str:
    """"Sodium chloride 0.9% " before a lot of another product than the visit's own (a pre-hydration's bag)."""
    return "" if lot["product_id"] == state["protocol"]["product_id"] else f"{catalogue_names.product_name(lot['product_id'])} "


def overview(s: VisitSummary) -> dict[str, str]:
    p, state = s.patient, s.state
    lots = ", ".join(f"{lot_product(state, lot)}lot {lot['lot']} (exp. {lot['expiry']})" for lot in state["lots"]) \
        or "no lot recorded"
    rates = " → ".join(f"{seg['rate_ml_h']:g}" for seg in state["segments"]) or "none"
    stamp = s.clock.stamp
    lines = [
        *bottom_line(s),
        *unverified_protocol_lines(s),
        f"Patient: {p.family_name}, {p.given_name}; MRN {p.mrn}; born {p.birth_date.isoformat()}",
        f"Visit: {stamp(state['time_in']) or '?'} to {stamp(state['time_out']) or '?'} (home)",
        f"Product: {s.product_name}; {lots}",
        _dose_line(s),
        f"Rate steps (mL/h): {rates}; infused {state['infusion']['running_min']:g} min",
        f"Reactions: {len(state['reactions'])}; highest grade {state['highest_reaction_grade'] or 0}",
    ]
    if s.signoff:
        lines.append(f"Pharmacist review: {s.signoff.get('note') or 'signed off'}")
    return generated(*(paragraph(line) for line in lines))


def _section(title: str, code: tuple[str, str], text: str, refs: list[dict[str, str]]) -> dict[str, Any]:
    section: dict[str, Any] = {"title": title, "code": codes.loinc(code, text=title), "text": {"status": "generated", "div": text}}
    if refs:
        section["entry"] = refs
    return section


def note_lines(s: VisitSummary) -> list[str]:
    lines = [f"Nurse note ({s.author(n['author_id'])}): {n['text']}" for n in s.nurse_notes]
    lines += [f"Pharmacist intervention ({s.author(i['author_id'])}): {describe('review.intervention', i)}" for i in s.interventions]
    if s.signoff:
        lines.append(f"Pharmacist sign-off ({s.author(s.signoff['author_id'])}): {s.signoff.get('note') or 'signed off'}")
    return lines


def sections(s: VisitSummary, refs: dict[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    state = s.state
    infusion_lines = [f"{s.clock.stamp(seg['start'])}: {seg['rate_ml_h']:g} mL/h for {seg['duration_min']:g} min" for seg in state["segments"]]
    infusion_lines += [describe("medication.given", m) for m in state["medications"]]
    return [
        _section("Infusion and medications", ("29549-3", "Medication administered Narrative"),
                 div(paragraph(_dose_line(s)), items(infusion_lines)), refs["infusion"]),
        _section("Vital signs", ("8716-3", "Vital signs"),
                 div(items([f"{s.clock.stamp(row['at'])}: {vitals_text(row)}" for row in state["vitals"]])), refs["vitals"]),
        _section("Adverse reactions", ("48765-2", "Allergies and adverse reactions Document"),
                 div(items([describe("reaction.observed", r) for r in state["reactions"]])), refs["reactions"]),
        _section("Notes and review", ("48767-8", "Annotation comment [Interpretation] Narrative"),
                 div(items(note_lines(s))), []),
    ]
