"""When planned work comes due: a plan's n-th occurrence, a local date and time at its site.

Occurrence n of "every 3 months from 31 January" is 31 January + 3n months, each counted
from the first date (so 31 Jan, 30 Apr, 31 Jul …, never drifting to the 30th for good);
a day the month lacks becomes its last day. Local times are made UTC with the site's time
zone, so "08:00" stays 08:00 across daylight-saving changes.
"""

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UNITS = ("day", "week", "month")
MAX_EVERY = 366


def day_of(starts_on: date, every: int, unit: str, n: int) -> date:
    """The local date of occurrence `n` (0 is `starts_on`)."""
    if unit == "day":
        return starts_on + timedelta(days=every * n)
    if unit == "week":
        return starts_on + timedelta(weeks=every * n)
    if unit != "month":
        raise ValueError(f"unknown unit {unit!r}")
    months = starts_on.month - 1 + every * n
    year, month = starts_on.year + months // 12, months % 12 + 1
    return date(year, month, min(starts_on.day, monthrange(year, month)[1]))


def moment_of(day: date, at: time, timezone: str) -> datetime:
    """`day` at `at` in the time zone, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


class Schedule:
    """A plan's recurrence at its site: occurrence numbers to moments and back."""

    def __init__(self, starts_on: date, every: int, unit: str, at: time, timezone: str):
        self.starts_on, self.every, self.unit = starts_on, every, unit
        self.at, self.timezone = at, timezone

    def at_n(self, n: int) -> datetime:
        return moment_of(day_of(self.starts_on, self.every, self.unit, n), self.at, self.timezone)

    def first_from(self, moment: datetime) -> int:
        """The first occurrence at or after `moment` (0 if the plan starts later)."""
        n = self._estimate(moment)
        while n > 0 and self.at_n(n - 1) >= moment:
            n -= 1
        while self.at_n(n) < moment:
            n += 1
        return n

    def last_until(self, moment: datetime, since: int = 0) -> int | None:
        """The latest occurrence at or before `moment` and not before `since`; None if even
        `since` is later."""
        if self.at_n(since) > moment:
            return None
        return max(since, self.first_from(moment + timedelta(microseconds=1)) - 1)

    def _estimate(self, moment: datetime) -> int:
        """An occurrence near `moment`, for the search to start from (never below 0)."""
        days = (moment.date() - self.starts_on).days
        length = {"day": 1, "week": 7, "month": 30.44}[self.unit] * self.every
        return max(0, int(days // length))
