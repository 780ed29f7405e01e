"""Reading ids from the query string and the path, as the database can hold them.

`str.isdigit` alone lets through "²" (a digit to Unicode, not to `int`) and ids beyond what the
id column holds, which the database driver cannot even bind: both used to end in a 500.
"""

from __future__ import annotations

from starlette.requests import Request

from server.errors import BadRequest, FieldError, NotFound

MAX_ID = 2**31 - 1  # our ids are INTEGER columns: 32 bits on PostgreSQL (SQLite would take 64)
MAX_BIGINT = 2**63 - 1  # the audit log's ids are BIGINT


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
