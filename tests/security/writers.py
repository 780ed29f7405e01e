"""A writer: one user's client and device on /api/sync/push, numbering its own events."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api.events import one_event, push_body


class Writer:
    def __init__(self, client: httpx.AsyncClient, device_id: uuid.UUID) -> None:
        self.client, self.device_id, self.seq = client, device_id, 0

    async def push(self, visit_id: Any, kind: str, payload: dict[str, Any], **envelope: Any) -> dict[str, Any]:
        """Push one event; its result, with the event's id as `event_id`."""
        self.seq += 1
        event = {**one_event(visit_id, self.seq, kind, payload), **envelope}
        response = await self.client.post("/api/sync/push", json=push_body(self.device_id, [event]))
        assert response.status_code == 200, response.text
        return {**response.json()["results"][0], "event_id": event["id"]}

    async def accepted(self, visit_id: Any, kind: str, payload: dict[str, Any]) -> str:
        """Push one event that must be accepted; its id."""
        result = await self.push(visit_id, kind, payload)
        assert result["status"] == "accepted", (kind, result)
        return result["event_id"]
