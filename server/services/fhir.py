"""The visit summary as an HL7 FHIR R4 document Bundle (CLINICAL section 5), as plain JSON.

Composition (LOINC 34129-7) first, then Patient, Encounter (class HH), Practitioners, vital-sign
Observations with LOINC and UCUM codes (CLINICAL section 3), a MedicationRequest per order of the visit
(`fhir_orders`), a MedicationAdministration per rate
segment (`dosage.rateQuantity`, the lot in a contained Medication's batch; their doses add up to the
volume the summary states as given), per rate segment of each additional order of the visit, and per
medication given, and an AdverseEvent per reaction. Resource ids are uuid5 of the visit, so the same visit
gives the same ids. Free text enters narratives only through `narrative.div`, which escapes it.
The tests validate the result with fhir.resources (R4B).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from server.field_words import BASIS_WORDS
from server.services import fhir_codes as codes
from server.services import fhir_orders
from server.services import narrative
from server.services.fhir_volumes import Pump, fitted_tenths, hung, lot_shares, pools_of, pumps_of
from server.services.entry_text import describe, vitals_text
from server.services.summary import VisitSummary


class BundleBuilder:
    """Collects entries and hands out stable `urn:uuid:` references."""

    def __init__(self, summary: VisitSummary) -> None:
        self.summary = summary
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:ivlog:visit:{summary.visit.id}")
        self.entries: list[dict[str, Any]] = []

    def ref(self, key: str) -> dict[str, str]:
        return {"reference": f"urn:uuid:{uuid.uuid5(self.namespace, key)}"}

    def add(self, key: str, resource: dict[str, Any]) -> dict[str, str]:
        resource_id = str(uuid.uuid5(self.namespace, key))
        self.entries.append({"fullUrl": f"urn:uuid:{resource_id}", "resource": {**resource, "id": resource_id}})
        return self.ref(key)


def _context(b: BundleBuilder) -> dict[str, Any]:
    return {"subject": b.ref("patient"), "encounter": b.ref("encounter")}


def add_people(b: BundleBuilder) -> None:
    s = b.summary
    p = s.patient
    b.add("organization", {"resourceType": "Organization", "name": s.visit.organization.name})
    b.add("patient", {
        "resourceType": "Patient",
        "identifier": [{"system": f"urn:ivlog:organization:{s.visit.organization_id}:mrn", "value": p.mrn}],
        "name": [{"family": p.family_name, "given": [p.given_name]}], "birthDate": p.birth_date.isoformat(),
        "managingOrganization": b.ref("organization"),
    })
    for key, user in (("nurse", s.nurse), ("physician", s.physician)):
        if user is not None:
            b.add(key, {"resourceType": "Practitioner", "name": [{"text": user.display_name}]})
    if s.signoff:
        b.add("pharmacist", {"resourceType": "Practitioner", "name": [{"text": s.author(s.signoff["author_id"])}]})


def add_encounter(b: BundleBuilder) -> None:
    s = b.summary
    period = {k: v for k, v in (("start", s.state["time_in"]), ("end", s.state["time_out"])) if v}
    encounter = {"resourceType": "Encounter", "status": _encounter_status(s.state),
                 "class": codes.HOME_HEALTH, "subject": b.ref("patient")}
    if period:
        encounter["period"] = period
    if s.nurse is not None:
        encounter["participant"] = [{"individual": b.ref("nurse")}]
    b.add("encounter", encounter)


def _encounter_status(state: dict[str, Any]) -> str:
    if state["time_out"]:
        return "finished"
    return "in-progress" if state["time_in"] else "planned"


def _observation(b: BundleBuilder, key: str, code: dict[str, Any], at: str, **value: Any) -> dict[str, str]:
    return b.add(key, {"resourceType": "Observation", "status": "final", "category": [codes.VITAL_SIGNS_CATEGORY],
                       "code": code, **_context(b), "effectiveDateTime": at, **value})


def _measurements(b: BundleBuilder, row: dict[str, Any]) -> list[dict[str, str]]:
    members, key = [], row["event_id"]
    for name, (code, unit, ucum) in codes.VITALS.items():
        if row.get(name) is not None:
            members.append(_observation(b, f"{key}:{name}", code, row["at"],
                                        valueQuantity=codes.quantity(row[name], unit, ucum)))
    if row.get("sbp") is not None and row.get("dbp") is not None:
        components = [{"code": codes.SYSTOLIC, "valueQuantity": codes.quantity(row["sbp"], "mmHg", "mm[Hg]")},
                      {"code": codes.DIASTOLIC, "valueQuantity": codes.quantity(row["dbp"], "mmHg", "mm[Hg]")}]
        members.append(_observation(b, f"{key}:bp", codes.BP_PANEL, row["at"], component=components))
    return members


def add_vitals(b: BundleBuilder) -> list[dict[str, str]]:
    """A vital-signs panel (85353-1) per set of vital signs, with one Observation per measurement."""
    panels = []
    for row in b.summary.state["vitals"]:
        members = _measurements(b, row)
        panels.append(_observation(b, f"{row['event_id']}:panel", codes.VITALS_PANEL, row["at"], hasMember=members,
                                   note=[{"text": vitals_text(row)}]))
    for entry in b.summary.state["entries"]:
        if entry["kind"] == "assessment":
            weight = entry["payload"]["weight_kg"]
            panels.append(_observation(b, f"{entry['event_id']}:weight", codes.BODY_WEIGHT, entry["occurred_at"],
                                       valueQuantity=codes.quantity(weight, "kg", "kg")))
    return panels


def _product(name: str, lot: dict[str, Any] | None) -> dict[str, Any]:
    code: dict[str, Any] = {"text": name}
    medication = {"resourceType": "Medication", "id": "product", "code": code}
    if lot is not None:
        if lot.get("ndc"):
            code["coding"] = [{"system": "http://hl7.org/fhir/sid/ndc", "code": lot["ndc"]}]
        medication["batch"] = {"lotNumber": lot["lot"], "expirationDate": lot["expiry"]}
    return medication


def _administration(b: BundleBuilder, segment: dict[str, Any], text: str, lot: dict[str, Any] | None,
                    volume_ml: float, pump: Pump, note: str | None) -> dict[str, Any]:
    period = {k: v for k, v in (("start", segment["start"]), ("end", segment["end"])) if v}
    dosage = {"text": text, "route": codes.INTRAVENOUS,
              "rateQuantity": codes.quantity(segment["rate_ml_h"], "mL/h", "mL/h"),
              "dose": codes.quantity(volume_ml, "mL", "mL")}
    return {
        "resourceType": "MedicationAdministration", "contained": [_product(pump.product_name, lot)],
        "status": "completed" if segment["end"] else "in-progress",
        "medicationReference": {"reference": "#product"}, "subject": b.ref("patient"),
        "context": b.ref("encounter"), "effectivePeriod": period, "dosage": dosage, **_performer(b),
        "request": b.ref(f"order:{pump.order_id}"),
        **({"note": [{"text": note}]} if note else {}),
    }


def _fitted_note(pump: Pump, segment: dict[str, Any], fitted: int, volume_tenths: int) -> str | None:
    """Why a step's mL is not its rate × time (None when it is)."""
    if volume_tenths == round(segment["volume_ml"] * 10):
        return None
    why = "the vials or bags opened held no more" if volume_tenths < fitted else \
        f"the steps add up to the {pump.given_ml:g} mL given ({BASIS_WORDS[pump.basis]})"
    return f"{segment['volume_ml']:g} mL at this rate for this time; {volume_tenths / 10:g} mL counted: {why}"


def add_infusions(b: BundleBuilder) -> list[dict[str, str]]:
    """A MedicationAdministration per rate step of every pump and vial or bag it drew from: the rate, the mL
    from that vial and its lot (a step spanning two vials is two). Steps are taken in time order and each
    product's vials are used up in the order opened across its pumps (a pre- and a post-hydration of saline
    draw on one set of bags; two orders of one IVIG on one set of vials). A pump's steps add up to what it gave
    (`fitted_tenths`); a step not measured by a pump reading never draws more than its vials still hold."""
    pumps = pumps_of(b.summary)
    pools = pools_of(b.summary.state, pumps)
    used = dict.fromkeys(pools, 0)
    held = {pool: sum(round(lot["volume_ml"] * 10) for lot in hung(lots)) if lots else None
            for pool, lots in pools.items()}
    shares = [fitted_tenths([segment["volume_ml"] for segment in pump.segments], pump.given_ml) for pump in pumps]
    steps = sorted(((segment["start"], index, number, segment) for index, pump in enumerate(pumps)
                    for number, segment in enumerate(pump.segments, start=1)), key=lambda step: step[:2])
    refs = []
    for _, index, number, segment in steps:
        pump, fitted = pumps[index], shares[index][number - 1]
        volume = fitted if pump.basis == "pump" or held[pump.pool] is None \
            else min(fitted, max(held[pump.pool] - used[pump.pool], 0))
        note = _fitted_note(pump, segment, fitted, volume)
        for part, (lot, tenths) in enumerate(lot_shares(pools[pump.pool], used[pump.pool], volume)):
            lot_text = f", lot {lot['lot']}" if lot is not None else ""
            text = f"{pump.step_text(number, segment)}{lot_text}: {tenths / 10:g} mL"
            key = f"segment:{segment['event_id']}" + (f":{part}" if part else "")
            refs.append(b.add(key, _administration(b, segment, text, lot, tenths / 10, pump, note)))
        used[pump.pool] += volume
    return refs


def _performer(b: BundleBuilder) -> dict[str, Any]:
    return {"performer": [{"actor": b.ref("nurse")}]} if b.summary.nurse is not None else {}


def add_medications(b: BundleBuilder) -> list[dict[str, str]]:
    """Premedications, PRN doses and reaction treatment, each as given."""
    refs = []
    for given in b.summary.state["medications"]:
        unit, ucum = codes.DOSE_UNITS[given["unit"]]
        refs.append(b.add(f"medication:{given['event_id']}", {
            "resourceType": "MedicationAdministration", "status": "completed",
            "medicationCodeableConcept": {"text": given["drug"]}, "subject": b.ref("patient"),
            "context": b.ref("encounter"), "effectiveDateTime": given["at"],
            "reasonCode": [{"text": codes.PURPOSES[given["purpose"]]}],
            "dosage": {"text": describe("medication.given", given), "route": {"text": given["route"]},
                       "dose": codes.quantity(given["dose"], unit, ucum)}, **_performer(b),
        }))
    return refs


def segment_at(segments: list[dict[str, Any]], moment: str) -> dict[str, Any] | None:
    running = [s for s in segments if s["start"] <= moment]
    return running[-1] if running else None


def add_reactions(b: BundleBuilder) -> list[dict[str, str]]:
    """One AdverseEvent per reaction: CTCAE grade, symptoms, outcome, and the rate segment suspected."""
    refs = []
    for reaction in b.summary.state["reactions"]:
        text = f"Infusion related reaction, CTCAE v5 grade {reaction['grade']}: {', '.join(reaction['symptoms'])}"
        event: dict[str, Any] = {
            "resourceType": "AdverseEvent", "actuality": "actual", "event": {"text": text}, **_context(b),
            "date": reaction["at"], "severity": codes.severity(reaction["grade"]),
            "outcome": codes.outcome(reaction["outcome"]),
            "text": narrative.generated(narrative.paragraph(describe("reaction.observed", reaction))),
        }
        if reaction["grade"] >= 3:
            event["seriousness"] = codes.SERIOUS
        suspected = segment_at(b.summary.state["segments"], reaction["at"])
        if suspected is not None:
            event["suspectEntity"] = [{"instance": b.ref(f"segment:{suspected['event_id']}")}]
        if b.summary.nurse is not None:
            event["recorder"] = b.ref("nurse")
        refs.append(b.add(f"reaction:{reaction['event_id']}", event))
    return refs


def add_composition(b: BundleBuilder, sections: dict[str, list[dict[str, str]]]) -> None:
    s = b.summary
    authors = [b.ref(key) for key, present in (("pharmacist", s.signoff), ("nurse", s.nurse)) if present]
    composition: dict[str, Any] = {
        "resourceType": "Composition", "status": "final" if s.signoff else "preliminary", "type": codes.HOME_NOTE,
        **_context(b), "date": s.signoff["at"] if s.signoff else _now(), "author": authors or [b.ref("organization")], "custodian": b.ref("organization"),
        "title": "Home infusion visit summary", "text": narrative.overview(s), "section": narrative.sections(s, sections),
    }
    if s.signoff:
        composition["attester"] = [{"mode": "legal", "time": s.signoff["at"], "party": b.ref("pharmacist")}]
    b.entries.insert(0, {"fullUrl": f"urn:uuid:{uuid.uuid5(b.namespace, 'composition')}",
                         "resource": {**composition, "id": str(uuid.uuid5(b.namespace, "composition"))}})


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def document_bundle(summary: VisitSummary) -> dict[str, Any]:
    """The FHIR R4 document Bundle for this summary (JSON-ready)."""
    b = BundleBuilder(summary)
    add_people(b)
    add_encounter(b)
    orders = fhir_orders.add_orders(b)
    sections = {"vitals": add_vitals(b), "infusion": orders + add_infusions(b) + add_medications(b),
                "reactions": add_reactions(b)}
    add_composition(b, sections)
    version = summary.signoff["event_id"] if summary.signoff else "unsigned"
    identifier = uuid.uuid5(b.namespace, f"document:{version}")
    return {"resourceType": "Bundle", "id": str(identifier), "type": "document", "timestamp": _now(),
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{identifier}"}, "entry": b.entries}
