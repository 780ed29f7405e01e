"""Parsing request bodies: HTML forms (CSRF-checked) and JSON (pydantic-validated)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request

from server.auth import csrf
from server.errors import BadRequest, FieldError, ValidationFailed, from_pydantic
from sync import nesting
from sync.content import unstorable

T = TypeVar("T", bound=BaseModel)
MAX_JSON_DEPTH = 32  # levels a JSON body may nest (the API's deepest, a visit request, nests 2; sync.nesting)


async def read_form(request: Request) -> FormData:
    """The submitted form, after its CSRF token was verified. Every form handler uses this."""
    form = await request.form()
    csrf.verify(request, form.get(csrf.FIELD_NAME), request.app.state.settings.secret_key)
    return form


def refuse_unstorable(data: dict) -> None:
    """NUL and lone surrogates cannot be stored as text anywhere: name the field, keep nothing."""
    for key, value in data.items():
        if unstorable(key) or unstorable(value):
            message = f"{key}: remove the invisible control character or broken symbol (often from pasted text)"
            raise ValidationFailed(message, errors=[FieldError(str(key), message)])


def parse_form(form: FormData, model: type[T]) -> T:
    data = {key: value for key, value in form.items() if key != csrf.FIELD_NAME and value != ""}
    refuse_unstorable(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_pydantic(exc) from None


async def read_json(request: Request, model: type[T]) -> T:
    body = await request.body()
    try:
        data = nesting.loads(body or b"null", limit=MAX_JSON_DEPTH)
    except nesting.TooDeep:
        raise BadRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError:
        raise BadRequest("The body is not valid JSON.") from None
    if isinstance(data, dict):
        refuse_unstorable(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_pydantic(exc) from None


def field_problem(field: str, message: str) -> ValidationFailed:
    """A form error found after parsing (two fields that must agree), named like pydantic's."""
    return ValidationFailed(message, errors=[FieldError(field, message)])
