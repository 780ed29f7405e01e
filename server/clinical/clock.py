"""Instants as the sync log carries them: ISO-8601 strings with an offset, compared in UTC.

Times are truncated to whole milliseconds when read, because JavaScript's Date holds no finer time and
the tablet must compute the same durations as the server.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def parse_instant(text: str) -> datetime:
    """An aware UTC datetime from an ISO-8601 string with "Z" or an offset; naive times are refused."""
    return in_utc(datetime.fromisoformat(text), f"time {text!r} has no UTC offset")


def in_utc(value: datetime, refusal: str) -> datetime:
    """The aware datetime in UTC, whole milliseconds; a naive one is refused with `refusal`."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(refusal)
    value = value.astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_instant(value: datetime) -> str:
    """ISO-8601 in UTC with "Z", milliseconds only when present (JS toISOString without zero millis)."""
    value = value.astimezone(timezone.utc)
    # Not strftime: its %Y does not pad years before 1000 on glibc ("2-01-01"), which no reader parses.
    text = (f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
            f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}")
    millis = value.microsecond // 1000  # a computed time may hold microseconds: they are not written
    if millis:
        text += f".{millis:03d}"
    return text + "Z"


def format_optional(value: datetime | None) -> str | None:
    return None if value is None else format_instant(value)


def minutes_between(start: datetime, end: datetime) -> float:
    """Minutes from start to end (negative when end is earlier)."""
    return (end - start) / timedelta(minutes=1)


def add_minutes(start: datetime, minutes: float) -> datetime:
    return start + timedelta(minutes=minutes)
