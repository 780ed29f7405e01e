"""What the administration pages share: the notice a finished form leaves, and how a page
renders, redirects after success (303) and re-renders a form that failed."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.errors import AppError
from server.templating import render

NOTICES = {
    "user-created": "The account was created. Give the person their initial password in person.",
    "user-enabled": "The account was enabled.",
    "user-disabled": "The account was disabled and its sessions ended.",
    "patient-created": "The patient was added.",
    "patient-saved": "The patient record was saved.",
    "assigned": "The nurse was assigned.",
    "assignment-ended": "The assignment was ended: the nurse's access stops today.",
    "device-revoked": "The tablet was revoked and its sessions ended. Entries it had not sent will be kept "
                      "aside for the pharmacist when it next connects.",
    "reregistration-allowed": "This browser may now register again as a new tablet, at its nurse's next login.",
    "desk-revoked": "The review desk was revoked: the pharmacist's interventions and sign-offs are refused until "
                    "you allow the desk again.",
    "desk-allowed": "The review desk is allowed again: the pharmacist gets a new one at her next review action.",
    "lock-saved": "The idle lock was saved: each tablet takes it at its next sync.",
}


def page(request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
    notice = NOTICES.get(request.query_params.get("done", ""))
    defaults = {"error": None, "field_errors": {}, "values": {}, "assign_values": {}, "assign_error": False,
                "end_error": None}  # not posted
    return render(request, f"admin/{name}", {"notice": notice, **defaults, **context}, status=status)


def done(path: str, notice: str) -> Response:
    return RedirectResponse(f"{path}?done={notice}", status_code=303)


def failed(error: AppError, form: FormData) -> dict[str, Any]:
    """The context that re-renders a form: what was typed (never the password) and why it failed."""
    values = {key: value for key, value in form.items() if key not in ("password", "csrf_token")}
    return {"values": values, "error": error, "field_errors": {e.field: e.message for e in error.errors}}
