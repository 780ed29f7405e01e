"""A held entry's text as a preview bounded in size and time, whatever the entry holds.

The kept-aside page showed each entry pretty-printed whole when it was small: 50 entries of
3.6 KB nested 560 deep became 16.3 MB of indentation and took 3 s to render (penetration test).
Now the page works on the first characters of each entry that `sync.held_view` hands over and
never parses them: the text is laid out token by token, one item per line for the first
`INDENT_LEVELS` levels, deeper levels copied as they were sent, and cut once its HTML reaches
`PREVIEW_CHARS`, saying how much of the entry was left out. The whole entry is a download away
(`/quarantine/{id}/sent.json`).
"""

from __future__ import annotations

import re
from itertools import accumulate, repeat

from markupsafe import Markup, escape

PREVIEW_CHARS = 2_500  # characters of HTML one entry's preview takes at most, escaping included
INDENT_LEVELS = 8  # levels laid out one item per line; deeper, the text runs on as sent
INDENT = "  "
REASON_CHARS = 1_000  # of HTML, of a reason: the host's may name every field a payload should not have

# A string (perhaps cut short at the end of the text), a structural character, or a run of anything else.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},:]|[^\[\]{},:"]+', re.DOTALL)
_CLOSING = {"[": "]", "{": "}"}
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})  # as markupsafe


def preview(text: str, size: int) -> Markup:
    """`text`, the first characters of an entry of `size` characters, as escaped, laid-out HTML of at
    most `PREVIEW_CHARS` characters (plus a line saying how much was cut, when anything was). Each
    character shown takes at least one of HTML, so no more of `text` than that is read; what lies
    deeper than `INDENT_LEVELS` is copied as one run, so a deep entry costs no more than a flat one."""
    tokens = _TOKEN.findall(text[:PREVIEW_CHARS])
    depths = list(accumulate(map(_DEPTH_CHANGE.get, tokens, repeat(0))))  # levels open after each token
    out = _Writer()
    index = 0
    while index < len(tokens) and out.room > 0:
        if depths[index] > INDENT_LEVELS:  # a run up to the token that closes this level again
            end = _index(depths, INDENT_LEVELS, index)
            out.add("".join(tokens[index:end]), "")
            index = end
        else:
            out.add(tokens[index], _after(tokens, depths, index))
            index += 1
    return Markup("".join(out.parts)) + cut_note(size - out.shown)  # every part escaped by `_Writer`


class _Writer:
    """Escaped parts of a preview, until `PREVIEW_CHARS` characters of HTML are written."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.room, self.shown = PREVIEW_CHARS, 0  # HTML characters left; characters of the entry shown

    def add(self, raw: str, trailing: str) -> None:
        piece = _html(raw)
        if len(piece) + len(trailing) > self.room:
            raw = _fitting(raw, self.room)
            piece, trailing = _html(raw), ""
            self.room = 0
        else:
            self.room -= len(piece) + len(trailing)
        self.parts += [piece, trailing]
        self.shown += len(raw)


def _after(tokens: list[str], depths: list[int], index: int) -> str:
    """The whitespace after a token at most `INDENT_LEVELS` deep, as `json.dumps(indent=2)` lays
    it out (an empty `[]` or `{}` stays whole)."""
    token, depth = tokens[index], depths[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if token in _CLOSING:
        return "" if following == _CLOSING[token] else "\n" + INDENT * depth
    if token == ",":
        return "\n" + INDENT * depth
    if token == ":":
        return " "
    return "\n" + INDENT * (depth - 1) if following in ("]", "}") else ""


def _index(values: list[int], value: int, start: int) -> int:
    """Where `value` first occurs in `values` from `start` on (in C), else their length."""
    try:
        return values.index(value, start)
    except ValueError:
        return len(values)


def _fitting(token: str, room: int) -> str:
    """The longest start of `token` whose HTML fits in `room` characters (a binary search, in C)."""
    low, high = 0, min(len(token), max(room, 0))  # the answer lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if len(_html(token[:middle])) <= room:
            low = middle
        else:
            high = middle - 1
    return token[:low]


def _html(raw: str) -> str:
    """markupsafe's escaping: its C code for long text, a table for the short tokens most are."""
    return raw.translate(_ESCAPES) if len(raw) < 32 else str(escape(raw))


def cut_note(remaining: int) -> Markup:
    """"… (cut: 12.5 KB more)", or nothing when nothing was cut."""
    if remaining <= 0:
        return Markup("")
    return Markup("\n… (cut: {} KB more)").format(f"{remaining / 1024:.1f}")


def bounded_text(text: str, limit: int = REASON_CHARS) -> Markup:
    """Plain text as at most `limit` characters of HTML, with the same note when it was cut."""
    shown = _fitting(text, limit)
    return Markup(_html(shown)) + cut_note(len(text) - len(shown))
