"""How desk pages and summaries show instants: in the organization's time zone (IVLOG_TIMEZONE).

Stored and folded times are UTC ("...Z" text or aware datetimes); people read local clock time.
Templates receive a `LocalTime` and call it, so no page converts times on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo


def parse(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant local `day` begins, in UTC: a query bound. SQLite compares stored times as text, so a bound
    written "00:00-12:00" sorted before "11:59+00:00", an instant twelve hours later, and let it through."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


@dataclass(frozen=True)
class LocalTime:
    zone_name: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def local(self, value: str | datetime | None) -> datetime | None:
        moment = parse(value)
        return None if moment is None else moment.astimezone(self.zone)

    def day_start(self, moment: datetime) -> datetime:
        """The start of the organization's day that holds `moment`: "from today" means this on the schedule and
        in every check of what is still booked (UTC's day hid a visit the check still counted)."""
        return midnight(moment.astimezone(self.zone).date(), self.zone)

    def clock(self, value: str | datetime | None) -> str:
        """"14:05" for an instant; "" for none."""
        moment = self.local(value)
        return "" if moment is None else moment.strftime("%H:%M")

    def day(self, value: str | datetime | None) -> str:
        moment = self.local(value)
        return "" if moment is None else moment.strftime("%Y-%m-%d")

    def stamp(self, value: str | datetime | None) -> str:
        """"2025-03-04 14:05 CET": a full local date and time with its zone abbreviation."""
        moment = self.local(value)
        return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M %Z")
