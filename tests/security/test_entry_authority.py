"""Who may amend or void which entry: target kind x corrector x correction, built from the event kinds.

The rule, stated here independently of rules.json's `entry_authority` table that the server and the
tablet read: an entry is corrected only by its author (so it always shows its author's words); review
entries are written only by pharmacists, so only their pharmacist corrects them; signatures and
sign-offs are attestations and a void is final (never); an amendment may be withdrawn (voided), not
amended. A new event kind without a row in the table fails `test_every_event_kind_has_one_authority_row`.
"""

from __future__ import annotations

from typing import Any

from server.clinical.events import PAYLOAD_MODELS
from server.clinical.rules import load_rules
from sync.models import Event
from tests.clinical.test_events import VALID

CORRECTIONS = ("entry.amended", "entry.voided")
NEVER = {"signature", "review.signed", "entry.voided"}
PHARMACIST_ONLY = {"review.signed", "review.intervention"}
CORRECTORS = ("author", "same role", "other role")


def expected(target_kind: str, correction: str, corrector: str) -> str:
    if target_kind in NEVER or (target_kind, correction) == ("entry.amended", "entry.amended"):
        return "not_correctable"
    return "accepted" if corrector == "author" else "not_author"


def test_every_event_kind_has_one_authority_row() -> None:
    kinds = load_rules().entry_authority.kinds
    assert set(kinds) == set(PAYLOAD_MODELS)
    assert {kind for kind, row in kinds.items() if "nurse" not in row.written_by} == PHARMACIST_ONLY
    assert all(set(row.written_by) <= {"nurse", "pharmacist"} for row in kinds.values())


def payload_of(kind: str, patient_id: int) -> dict[str, Any]:
    return {"patient_id": str(patient_id), "location": None} if kind == "visit.started" else VALID[kind]


async def stored_targets(visit, patient, ana, pia) -> dict[tuple[str, str], tuple[str, dict]]:
    """One entry of every kind on a signed-then-reviewed visit, by (kind, author's role): its id and payload."""
    targets: dict[tuple[str, str], tuple[str, dict]] = {}

    async def write(writer, role: str, kind: str, payload: dict) -> str:
        targets[(kind, role)] = (await writer.accepted(visit.id, kind, payload), payload)
        return targets[(kind, role)][0]

    for kind in ("visit.started", "signature", "visit.ended"):  # signed, then ended: no alert to review
        await write(ana, "nurse", kind, payload_of(kind, patient.id))
    for kind in ("review.intervention", "review.signed", "note"):
        await write(pia, "pharmacist", kind, VALID[kind])
    for kind in sorted(set(PAYLOAD_MODELS) - {k for k, _ in targets} - set(CORRECTIONS)):
        await write(ana, "nurse", kind, payload_of(kind, patient.id))
    await write(ana, "nurse", "note", VALID["note"])
    vitals_id = targets[("vitals", "nurse")][0]
    await write(ana, "nurse", "entry.amended", {"target_id": vitals_id, "payload": {"hr": 80}, "reason": "typo"})
    await write(ana, "nurse", "entry.voided", {"target_id": targets[("note", "nurse")][0], "reason": "wrong chart"})
    return targets


def correction_payload(correction: str, target_id: str, payload: dict) -> dict[str, Any]:
    if correction == "entry.voided":
        return {"target_id": target_id, "reason": "authority matrix"}
    return {"target_id": target_id, "payload": payload, "reason": "authority matrix"}


async def test_only_an_entrys_author_may_amend_or_void_it_and_attestations_never(
    writer_for, scheduled_visit, patient_pat, nurse_ana, nurse_ben_on_pat, pharmacist_pia, pharmacist_kai
):
    ana, ben, pia, kai = [await writer_for(u) for u in (nurse_ana, nurse_ben_on_pat, pharmacist_pia, pharmacist_kai)]
    targets = await stored_targets(scheduled_visit, patient_pat, ana, pia)
    assert {kind for kind, _ in targets} == set(PAYLOAD_MODELS)  # every kind is a target
    who = {"nurse": {"author": ana, "same role": ben, "other role": pia},
           "pharmacist": {"author": pia, "same role": kai, "other role": ana}}
    actual, wanted = {}, {}
    for (kind, role), (target_id, payload) in sorted(targets.items()):
        for correction in CORRECTIONS:
            for corrector in CORRECTORS:
                result = await who[role][corrector].push(scheduled_visit.id, correction,
                                                         correction_payload(correction, target_id, payload))
                actual[(kind, role, correction, corrector)] = result["code"] or result["status"]
                wanted[(kind, role, correction, corrector)] = expected(kind, correction, corrector)
    assert actual == wanted


async def test_a_refused_correction_tells_the_nurse_why_and_is_not_stored(
    writer_for, scheduled_visit, patient_pat, nurse_ana, nurse_ben_on_pat
):
    ana, ben = await writer_for(nurse_ana), await writer_for(nurse_ben_on_pat)
    await ana.accepted(scheduled_visit.id, "visit.started", payload_of("visit.started", patient_pat.id))
    vitals = await ana.accepted(scheduled_visit.id, "vitals", VALID["vitals"])
    result = await ben.push(scheduled_visit.id, "entry.voided", {"target_id": vitals, "reason": "not mine"})
    assert (result["status"], result["code"]) == ("quarantined", "not_author")
    assert result["reason"].startswith("Only the person who recorded an entry can amend or void it")
    assert not await Event.filter(id=result["event_id"]).exists()
