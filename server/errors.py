"""The error tree of ivlog, and how each error reaches the client.

Every error a user can meet is an `AppError` with a stable `code` that clients switch on
(never on message text) and a message that says what to do next:

    AppError
    ├── BadRequest          400  bad_request          malformed body or parameter
    │   └── ValidationFailed 422 validation_failed    fields with reasons in `errors`
    ├── NotAuthenticated    401  not_authenticated     no session, expired, revoked
    ├── Forbidden           403  forbidden             authenticated but not allowed
    │   ├── CsrfFailed      403  csrf_failed           cross-site or tokenless unsafe request
    │   └── DeviceRefused   403  device_refused        tablet bound to another user, or revoked
    ├── NotFound            404  not_found             absent or out of the user's scope
    ├── Conflict            409  conflict
    ├── PayloadTooLarge     413  payload_too_large
    ├── UnsupportedMedia    415  unsupported_media_type
    ├── TooManyRequests     429  too_many_requests     login throttle; carries retry_after
    └── DatabaseUnavailable 503  database_unavailable  the database is restarting or unreachable

Under /api the client receives problem JSON (RFC 9457); elsewhere a friendly HTML page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class AppError(Exception):
    status = 500
    code = "internal_error"
    title = "Something went wrong"

    def __init__(self, message: str | None = None, *, errors: list[FieldError] | None = None) -> None:
        self.message = message or self.title
        self.errors = errors or []
        super().__init__(self.message)

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "The request could not be read"


class ValidationFailed(BadRequest):
    status, code, title = 422, "validation_failed", "Some fields need correcting"


class NotAuthenticated(AppError):
    status, code, title = 401, "not_authenticated", "Please log in"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "You are not allowed to do this"


class CsrfFailed(Forbidden):
    code, title = "csrf_failed", "This request did not come from an ivlog page; reload and try again"


class DeviceRefused(Forbidden):
    code, title = "device_refused", "This tablet cannot be used with your account"

    def __init__(self, message: str, *, code: str = "device_refused") -> None:
        super().__init__(message)
        self.code = code  # device_revoked tells the tablet to wipe its local data
        self.surrender_token: str | None = None  # a revoked tablet's own user: may hand over its outbox


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "This conflicts with the current state"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "The request is too large; send it in smaller parts"


class UnsupportedMedia(AppError):
    status, code, title = 415, "unsupported_media_type", "Send JSON (Content-Type: application/json)"


class TooManyRequests(AppError):
    status, code, title = 429, "too_many_requests", "Too many attempts; wait and try again"

    def __init__(self, message: str | None = None, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class DatabaseUnavailable(AppError):
    status, code, title = 503, "database_unavailable", "The server cannot reach its database right now"
    RETRY_AFTER_S = 5

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.RETRY_AFTER_S)}


def problem(error: AppError) -> dict:
    """The RFC 9457 body for an error."""
    body: dict = {
        "type": f"https://ivlog.invalid/problems/{error.code}",
        "title": error.title,
        "status": error.status,
        "code": error.code,
        "detail": error.message,
    }
    if error.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    return body


# Pydantic's texts for its common error types in plain words ("Input should be less than or equal to 2" read
# like a program's: a new pharmacist's walk); the {placeholders} come from the error's context.
PLAIN_WORDS = {
    "missing": "is required", "greater_than": "must be more than {gt}", "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}", "less_than_equal": "must be at most {le}",
    "float_parsing": "must be a number", "float_type": "must be a number", "int_parsing": "must be a whole number",
    "int_type": "must be a whole number", "int_from_float": "must be a whole number",
    "literal_error": "must be one of {expected}", "enum": "must be one of {expected}",
    "string_too_long": "is too long (at most {max_length} characters)",
}


def _number_text(value: int | float) -> str:
    """A bound as a person writes it: whole numbers in full ("2147483647", never "2.14748e+09"), others
    with the digits they have ("0.5"); only a float too large to be written out reads "1e+300"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    return str(value) if isinstance(value, int) else repr(value)


def _plain(item: dict[str, Any]) -> str:
    words = PLAIN_WORDS.get(item["type"])
    if words is None:
        return item["msg"].removeprefix("Value error, ")
    context = {key: _number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
               for key, value in (item.get("ctx") or {}).items()}
    return words.format(**context)


def from_pydantic(exc: "object") -> ValidationFailed:
    """A pydantic ValidationError as field errors a person can read."""
    errors = []
    for item in exc.errors():  # type: ignore[attr-defined]
        field = ".".join(str(p) for p in item["loc"]) or "body"
        errors.append(FieldError(field, f"{field}: {_plain(item)}"))
    return ValidationFailed("; ".join(e.message for e in errors), errors=errors)
