"""Logging configured once at start-up: console lines in development, JSON in production.

Log records carry ids and codes only. Names, notes and vital values never reach a logger.
Exception messages are the one place where data slips in unasked (a database error quoting
the duplicate key, a KeyError naming a payload value), so every formatter here writes a
traceback's frames and exception types but withholds the exception messages.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import traceback
from datetime import datetime, timezone
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
WITHHELD = "(message withheld: it may quote patient data)"


def _chain(exc: traceback.TracebackException) -> list[traceback.TracebackException]:
    """The exception and its causes, oldest first, as Python prints them."""
    chain: list[traceback.TracebackException] = []
    current: traceback.TracebackException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return list(reversed(chain))


def safe_traceback(exc_info: ExcInfo) -> str:
    """Frames and exception types of a traceback, without any exception message."""
    blocks = []
    for item in _chain(traceback.TracebackException(*exc_info, capture_locals=False)):
        name = f"{item.exc_type.__module__}.{item.exc_type.__qualname__}" if item.exc_type else "Exception"
        frames = "".join(item.stack.format())
        blocks.append(f"Traceback (most recent call last):\n{frames}{name}: {WITHHELD}")
    return "\nThe above led to:\n".join(blocks)


class SafeFormatter(logging.Formatter):
    """The console format, with exception messages withheld."""

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        return safe_traceback(ei)

    def format(self, record: logging.LogRecord) -> str:
        safe = copy.copy(record)
        safe.exc_text = None  # never reuse a full traceback another handler cached on the record
        return super().format(safe)


class JsonFormatter(SafeFormatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure(log_format: str) -> None:
    root = logging.getLogger("ivlog")
    if getattr(root, "_ivlog_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
    root._ivlog_configured = True  # type: ignore[attr-defined]
