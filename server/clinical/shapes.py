"""The shape of each data document is one JSON Schema (data/NAME.schema.json) that the tablet checks
too (pwa/rules/shapes.js), so the two sides cannot drift. Errors are worded from data/schema_words.json,
the same table the tablet words them from; defaults the schema declares are filled in here, because a
JSON Schema validator only checks."""

from __future__ import annotations

import copy
import json
import math
from importlib import resources
from typing import Any, Callable

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

Path = tuple[str | int, ...]


def data_file(name: str) -> Any:
    """A JSON file of server/clinical/data/."""
    return json.loads(resources.files("server.clinical").joinpath(f"data/{name}").read_text("utf-8"))


WORDS: dict[str, dict[str, str]] = data_file("schema_words.json")
# A number is finite (Python reads NaN and Infinity from JSON, and a form's "nan" parses as a float); a whole
# number is an int, not 30.0 (JSON Schema allows it; the catalogue form keeps "30.0" a float to be refused, as
# pydantic's strict int did). JavaScript cannot tell 30.0 from 30: the tablet reads what this server checked.
_Validator = validators.extend(Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({
    "number": lambda _, value: isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
    "integer": lambda _, value: isinstance(value, int) and not isinstance(value, bool)}))


class ShapeError(ValueError):
    """A document that does not fit its schema: each problem as (path, reason), in path order."""

    def __init__(self, root: str, problems: list[tuple[Path, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path_text(root, path)}: {reason}" for path, reason in problems))


def path_text(root: str, path: Path) -> str:
    """"products.products[3].ladder", as the tablet writes it."""
    return root + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _words(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(_words, value))
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)


def _problems(error: ValidationError) -> list[tuple[Path, str]]:
    """The error in the table's words; "required" and "additionalProperties" name their fields."""
    keyword, value, path, text = error.validator, error.validator_value, tuple(error.absolute_path), WORDS["keywords"]
    if keyword == "required":
        return [((*path, name), text["required"]) for name in value if name not in error.instance]
    if keyword == "additionalProperties":
        words = ", ".join(key for key in error.instance if key not in error.schema.get("properties", {}))
    elif keyword == "type":
        words = " or ".join(WORDS["types"][name] for name in ([value] if isinstance(value, str) else value))
    else:
        words = value if keyword == "format" else _words(value)
    return [(path, text[str(keyword)].format(words))]


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return {**root["$defs"][ref.rsplit("/", 1)[-1]], **schema} if ref else schema


def with_defaults(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """`value` (checked) with every field the schema gives a default for and the value leaves out."""
    schema = _resolve(schema, root)
    if isinstance(value, dict):
        fields, other = schema.get("properties", {}), schema.get("additionalProperties")
        out = {key: with_defaults(item, fields.get(key, other if isinstance(other, dict) else {}), root)
               for key, item in value.items()}
        return {**out, **{key: copy.deepcopy(spec["default"]) for key, spec in fields.items()
                          if key not in value and "default" in spec}}
    items = schema.get("items")
    return [with_defaults(item, items, root) for item in value] if isinstance(value, list) and items else value


def checker(name: str, part: str | None = None) -> Callable[[Any, str], Any]:
    """A check of a document by data/NAME.schema.json (or of its `$defs` PART): it returns the value with
    its defaults, or raises ShapeError naming every field that does not fit (`root` starts each path)."""
    schema = data_file(f"{name}.schema.json")
    target = {"$defs": schema["$defs"], "$ref": f"#/$defs/{part}"} if part else schema
    validator = _Validator(target, format_checker=FormatChecker())

    def check(value: Any, root: str) -> Any:
        problems = [problem for error in validator.iter_errors(value) for problem in _problems(error)]
        if problems:
            raise ShapeError(root, sorted(dict.fromkeys(problems), key=lambda p: (path_text(root, p[0]), p[1])))
        return with_defaults(value, target, schema)

    return check
