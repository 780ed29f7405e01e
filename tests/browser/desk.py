"""The server seen from a desk: a plain HTTP client logged in as a demo user, to check what the
tablet sent (pull, visit state, quarantine) and to act as an administrator (revoke a tablet)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import httpx

from server.services.reference_shape import REFERENCE_SHAPE, REFERENCE_SHAPE_HEADER
from tests.browser.live_server import DEMO_PASSWORD


class Desk:
    def __init__(self, base_url: str, username: str, *, device_id: str | None = None) -> None:
        self.client = httpx.Client(base_url=base_url, headers={"origin": base_url}, timeout=30)
        self.device_id = device_id
        login = {"username": username, "password": DEMO_PASSWORD}
        if device_id:
            login.update(device_id=device_id, device_label="second tablet")
        response = self.client.post("/api/session", json=login)
        assert response.status_code == 200, response.text

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Desk":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def json(self, path: str, headers: dict[str, str] | None = None) -> dict:
        response = self.client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def pulled(self) -> list[dict]:
        events, after = [], 0
        while True:
            page = self.json(f"/api/sync/pull?after={after}&limit=5000")
            events += page["events"]
            after = page["next"]
            if not page["more"]:
                return events

    def push(self, events: list[dict]) -> dict:
        """Push as a (second) tablet: the session must have been opened with a device_id."""
        body = {"protocol": 1, "device_id": self.device_id, "batch_id": str(uuid.uuid4()),
                "sent_at": datetime.now(timezone.utc).isoformat(), "events": events}
        response = self.client.post("/api/sync/push", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def visit(self, visit_id: str) -> dict:
        return self.json(f"/api/visits/{visit_id}")

    def reference(self) -> dict:
        """The reference in the current shape, as the current tablet asks for it."""
        return self.json("/api/reference", {REFERENCE_SHAPE_HEADER: str(REFERENCE_SHAPE)})

    def form_post(self, path: str, form_page: str, data: dict | None = None) -> httpx.Response:
        """POST an HTML form with the CSRF token read from the page that shows it."""
        html = self.client.get(form_page).text
        match = re.search(r'name="(csrf[^"]*)" value="([^"]+)"', html)
        assert match, f"no CSRF field on {form_page}"
        return self.client.post(path, data={match.group(1): match.group(2), **(data or {})},
                                headers={"content-type": "application/x-www-form-urlencoded"})


def admin_desk(base_url: str) -> Desk:
    """An administrator's desk session (HTML form login, so its CSRF-protected forms work)."""
    desk = Desk.__new__(Desk)
    desk.client = httpx.Client(base_url=base_url, headers={"origin": base_url}, timeout=30, follow_redirects=False)
    response = desk.form_post("/login", "/login", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.text
    return desk


def revoke_tablet(base_url: str, device_id: str, reason: str = "Reported lost") -> None:
    """An administrator revokes the tablet from its confirmation page, giving the reason."""
    admin = admin_desk(base_url)
    try:
        page = f"/admin/devices/{device_id}/revoke"
        revoked = admin.form_post(page, page, {"reason": reason})
        assert revoked.status_code == 303, revoked.text
    finally:
        admin.close()
