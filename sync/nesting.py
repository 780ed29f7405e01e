"""How deep JSON nests, found without recursion, so that no JSON a client sends makes the server recurse.

The standard library's `json` recurses once per level, in C, against Python's recursion limit
(1,000 by default, of which a request handler already uses a hundred or so); orjson reads at most
1,024 levels and writes at most 255. A push nested a thousand levels deep failed whole with a
RecursionError (penetration test). So the server measures first and recurses only on what it
measured: text with `text_deeper_than` (a count of brackets outside strings), parsed values with
`deeper_than` (level by level), and writes what is deeper than the standard library may walk with
`dumps`, which keeps its own stack.
"""

from __future__ import annotations

import json
from itertools import accumulate
from typing import Any

SAFE_DEPTH = 256  # levels the standard library's json is handed at most, inside a request's stack

_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_CONTAINERS = frozenset((dict, list))
_STEP = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


class TooDeep(ValueError):
    """JSON nested deeper than the reader allows: refused before anything walks it."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"nested deeper than {limit} levels")
        self.limit = limit


def text_depth(text: bytes | str) -> int:
    """How many levels of arrays and objects the JSON text opens at most (0 for a scalar), in C
    speed: escaped backslashes and quotes go first, so every quote left opens or closes a string;
    what lies between two quotes is inside one, and its brackets do not count."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    kept = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    brackets = b"".join(kept.split(b'"')[::2])
    return max(accumulate(map(_STEP.__getitem__, brackets), initial=0))


def text_deeper_than(text: bytes | str, limit: int) -> bool:
    return text_depth(text) > limit


def loads(text: bytes | str, *, limit: int = SAFE_DEPTH) -> Any:
    """`json.loads`, for text measured not to nest deeper than `limit` (else `TooDeep`)."""
    if limit > SAFE_DEPTH:
        raise ValueError(f"the standard library is handed at most {SAFE_DEPTH} levels")
    if text_deeper_than(text, limit):
        raise TooDeep(limit)
    return json.loads(text)


def deeper_than(value: Any, limit: int) -> bool:
    """Whether a parsed value opens more than `limit` levels of dicts and lists, walked level by
    level (never recursively), stopping as soon as it knows: a few microseconds for an event."""
    level = [value] if value.__class__ in _CONTAINERS else []
    for _ in range(limit):
        inner = []
        for container in level:
            for item in container.values() if container.__class__ is dict else container:
                if item.__class__ in _CONTAINERS:
                    inner.append(item)
        if not inner:
            return False
        level = inner
    return bool(level)


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Exactly `json.dumps(value, separators=(",", ":"), ensure_ascii=True, sort_keys=sort_keys,
    default=str)`, at any depth: values deeper than `SAFE_DEPTH` are written with an explicit stack."""
    if not deeper_than(value, SAFE_DEPTH):
        return _scalar(value, sort_keys)
    parts: list[str] = []
    stack: list[tuple[Any, str]] = [(iter([(None, value)]), "")]
    while stack:
        items, closing = stack[-1]
        entry = next(items, None)
        if entry is None:
            parts.append(closing)
            stack.pop()
            continue
        key, item = entry
        if parts and parts[-1] not in ("[", "{"):
            parts.append(",")
        if key is not None:
            parts.append(_scalar(key, False) + ":")
        if item.__class__ is dict:
            parts.append("{")
            stack.append((iter(sorted(item.items()) if sort_keys else item.items()), "}"))
        elif item.__class__ is list:
            parts.append("[")
            stack.append((((None, element) for element in item), "]"))
        else:
            parts.append(_scalar(item, sort_keys))
    return "".join(parts)


def _scalar(value: Any, sort_keys: bool) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, sort_keys=sort_keys, default=str)
