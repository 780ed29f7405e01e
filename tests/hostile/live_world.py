"""The hostile corpus written into a live server (the browser tests' subprocess) through its real forms
and sync API: one patient, order, finished visit, review and held entry per hostile string."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from tests.api.events import readdress
from tests.browser.desk import Desk, admin_desk
from tests.hostile import corpus

DONE = {"completed", "signed", "reviewed"}


@dataclass(frozen=True)
class Written:
    text: str
    patient_id: int
    visit_id: str


class LiveWorld:
    def __init__(self, base_url: str) -> None:
        self.admin = admin_desk(base_url)
        self.pharmacist = Desk(base_url, "pharmacist")
        self.tablet = Desk(base_url, "nurse", device_id=str(uuid.uuid4()))
        self.nurse_id = self.tablet.json("/api/session")["user"]["id"]
        with Desk(base_url, "physician") as physician:
            self.physician_id = physician.json("/api/session")["user"]["id"]
        self.next_seq = 1

    def close(self) -> None:
        for desk in (self.admin, self.pharmacist, self.tablet):
            desk.close()

    def write(self, text: str) -> Written:
        form = corpus.patient_form(text, mrn=f"H-{uuid.uuid4().hex[:8]}", physician_id=self.physician_id)
        created = self.admin.form_post("/admin/patients", "/admin/patients", form)
        assert created.status_code == 303, created.text
        patient_id = int(created.headers["location"].split("?")[0].rsplit("/", 1)[1])
        page = f"/admin/patients/{patient_id}"
        assigned = self.admin.form_post(f"{page}/assignments", page, corpus.assignment_form(self.nurse_id))
        assert assigned.status_code == 303, assigned.text
        new_order = f"/pharmacy/patients/{patient_id}/orders"
        ordered = self.pharmacist.form_post(new_order, f"{new_order}/new", corpus.order_form(text))
        assert ordered.status_code == 303, ordered.text
        visit_id = self._push_visit(text, patient_id)
        self._review(text, visit_id)
        return Written(text, patient_id, visit_id)

    def _push_visit(self, text: str, patient_id: int) -> str:
        order_id = self.pharmacist.json(f"/api/orders?patient={patient_id}")["orders"][0]["id"]
        visit_id = uuid.uuid4()
        events = readdress(corpus.hostile_visit(text), visit_id=visit_id, patient_id=patient_id, order_id=order_id,
                           first_seq=self.next_seq)
        held = corpus.VisitScript(start=events[-1]["occurred_at"])
        held.add(1, "note", corpus.held_note(text))
        events += readdress(held, visit_id=visit_id, patient_id=patient_id, order_id=order_id,
                            first_seq=self.next_seq + len(events))
        self.next_seq += len(events)
        statuses = [r["status"] for r in self.tablet.push(events)["results"]]
        assert statuses == ["accepted"] * (len(events) - 1) + ["quarantined"], statuses
        return str(visit_id)

    def _review(self, text: str, visit_id: str) -> None:
        page = f"/review/visits/{visit_id}"
        deadline = time.monotonic() + 20  # the server folds a push just after answering it
        while self.pharmacist.visit(visit_id)["visit"]["status"] not in DONE:
            assert time.monotonic() < deadline, "the pushed visit was not folded within 20 s"
            time.sleep(0.1)
        for action, form in corpus.review_forms(text):
            reviewed = self.pharmacist.form_post(f"{page}/{action}", page, form)
            assert reviewed.status_code == 303, reviewed.text
