"""Reading ids, days and text from the query string and the path, as the database can hold them.

`str.isdigit` alone lets through "²" (a digit to Unicode, not to `int`) and ids beyond what the
id column holds, which the database driver cannot even bind: both used to end in a 500. A day a filter
ends on has a next day and a midnight in UTC only well inside `date`'s range: 9999-12-31 was a 500 too.
"""

from __future__ import annotations

from datetime import date

from starlette.requests import Request

from server.errors import BadRequest, FieldError, NotFound
from sync.content import unstorable

MAX_ID = 2**31 - 1  # our ids are INTEGER columns: 32 bits on PostgreSQL (SQLite would take 64)
MAX_BIGINT = 2**63 - 1  # the audit log's ids are BIGINT
FIRST_YEAR, LAST_YEAR = 1900, 2200  # a filter's days: before any record (births from 1900), past any visit


def is_whole(value: str, maximum: int = MAX_ID) -> bool:
    """An ASCII whole number the id column can hold."""
    return value.isascii() and value.isdigit() and int(value) <= maximum


def whole_number(request: Request, name: str, *, hint: str, error: type[BadRequest] = BadRequest,
                 maximum: int = MAX_ID) -> int | None:
    """The query parameter `name` as a whole number, None when absent; otherwise `error` naming it."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not is_whole(value, maximum):
        message = f"{name} must be {hint}"
        raise error(message, errors=[FieldError(name, message)])
    return int(value)


def path_id(request: Request, name: str) -> int:
    """An id from the path; one no database integer can hold names nothing, so: not found."""
    value = request.path_params[name]
    if not 0 <= value <= MAX_ID:
        raise NotFound()
    return value


def query_date(request: Request, name: str, *, error: type[BadRequest] = BadRequest) -> date | None:
    """The query parameter `name` as a day (YYYY-MM-DD), None when absent; otherwise `error` naming it.
    Every date filter reads its days here, so each has a day after it and a midnight in any zone."""
    value = request.query_params.get(name, "")
    if value == "":
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None:
        message = f"{name} must be a date (YYYY-MM-DD)"
    elif not FIRST_YEAR <= day.year <= LAST_YEAR:
        message = f"{name} must be a day in the years {FIRST_YEAR} to {LAST_YEAR}"
    else:
        return day
    raise error(message, errors=[FieldError(name, message)])


def query_text(request: Request, name: str, *, max_length: int, error: type[BadRequest] = BadRequest) -> str:
    """The query parameter `name`, trimmed ("" when absent). Longer than the column it is compared with, or
    holding NUL, it matches nothing stored: `error` naming it, not a 500 or a cut-short value matching others."""
    value = request.query_params.get(name, "").strip()
    if len(value) > max_length:
        message = f"{name} must be at most {max_length} characters"
    elif unstorable(value):  # NUL: PostgreSQL refuses even to compare it
        message = f"{name} must not hold control characters"
    else:
        return value
    raise error(message, errors=[FieldError(name, message)])
