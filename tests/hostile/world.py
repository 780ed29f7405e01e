"""A patient, order, visit and review written entirely in one hostile string, through the real forms and
the real sync API (in process), and how to read a page's text the way a browser shows it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

import httpx

from server.db.models import Order, Patient, User
from tests.hostile import corpus
from tests.review.scripts import events_for


@dataclass(frozen=True)
class HostileWorld:
    text: str
    patient_id: int
    order_id: int
    visit_id: uuid.UUID
    held_id: str

    def desk_pages(self) -> list[str]:
        """Every page of the pharmacist (and the physician's summary) that shows what was written."""
        return ["/pharmacy", f"/pharmacy/patients/{self.patient_id}", f"/pharmacy/orders/{self.order_id}/edit",
                "/review", f"/review/visits/{self.visit_id}", f"/visits/{self.visit_id}/summary", "/quarantine"]

    def admin_pages(self) -> list[str]:
        return ["/admin/patients", f"/admin/patients/{self.patient_id}", "/quarantine"]


async def build(text: str, *, admin: httpx.AsyncClient, desk: httpx.AsyncClient, post_form, push_visit,
                tablet_for, nurse: User, physician: User) -> HostileWorld:
    created = await post_form(admin, "/admin/patients",
                              corpus.patient_form(text, mrn=f"H-{uuid.uuid4().hex[:8]}", physician_id=physician.id))
    assert created.status_code == 303, created.text
    patient = await Patient.get(id=int(created.headers["location"].split("?")[0].rsplit("/", 1)[1]))
    assigned = await post_form(admin, f"/admin/patients/{patient.id}/assignments", corpus.assignment_form(nurse.id))
    assert assigned.status_code == 303, assigned.text
    ordered = await post_form(desk, f"/pharmacy/patients/{patient.id}/orders", corpus.order_form(text))
    assert ordered.status_code == 303, ordered.text
    visit = await push_visit(nurse, patient, corpus.hostile_visit(text))
    for action, form in corpus.review_forms(text):
        reviewed = await post_form(desk, f"/review/visits/{visit.id}/{action}", form)
        assert reviewed.status_code == 303, reviewed.text
    held_id = await _hold(tablet_for, nurse, visit, text)
    return HostileWorld(text, patient.id, (await Order.get(patient=patient)).id, visit.id, held_id)


async def _hold(tablet_for, nurse: User, visit, text: str) -> str:
    tablet = await tablet_for(nurse)
    script = corpus.VisitScript(start=visit.scheduled_at.isoformat())
    script.add(300, "note", corpus.held_note(text))
    event = events_for(script, visit, first_seq=tablet.next_seq)[0]
    tablet.next_seq += 1
    result = (await tablet.push([event])).json()["results"][0]
    assert result["status"] == "quarantined", result
    return event["id"]


class _Reader(HTMLParser):
    """What a browser shows as text, and the URLs a click or a load would follow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.urls: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self.urls += [value or "" for name, value in attrs if name in ("href", "src", "action", "formaction")]
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


def injected(html: str) -> list[str]:
    """Everything in the page that could run: inline scripts, event handlers, javascript: URLs."""
    page = read(html)
    found = [f"<{tag} {name}=...>" for tag, attrs in page.elements for name in attrs if name.startswith("on")]
    found += ["<script> without src" for tag, attrs in page.elements if tag == "script" and "src" not in attrs]
    found += [url for url in page.urls if url.strip().lower().startswith("javascript:")]
    return found


def shown(html: str, text: str) -> bool:
    """`text` appears, character for character, in the page's visible text."""
    return text in "".join(read(html).text)


def as_held(text: str) -> str:
    """How the quarantine page shows a held string: the submission as ASCII JSON."""
    return json.dumps(text)[1:-1]
