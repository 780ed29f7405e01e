"""The visit's own infusion stopped before its completion: the last stop of its pump, when its reason is not
"completed". The review queue flags such a visit and the summary's bottom line says why (a walk's 2% dose,
stopped at the patient's request, showed on neither)."""

from __future__ import annotations

from typing import Any


def early_stop(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The payload of the last stop of the visit's own pump (an additional order's names its order), if it
    was not for completion."""
    stops = [e["payload"] for e in entries if e["kind"] == "infusion.stopped" and not e["payload"].get("order_id")]
    return stops[-1] if stops and stops[-1]["reason"] != "completed" else None
