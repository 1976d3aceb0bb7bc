"""Business hours: when a site works, and how much working time lies between two moments.

Everything going in and out is timezone-aware UTC (other aware datetimes are accepted and
converted); the site's calendar is read in its own timezone. Each working span is turned from
local wall-clock time into UTC on its own day, so DST changes are measured in real time: a
local day of 00:00-24:00 lasts 23 hours on the spring-forward day and 25 on the fall-back day.

Decisions:
- A span "to midnight" ends at ``time.max`` (what parse_hours makes of "24:00"); it ends at
  00:00 of the next local day, so a following 00:00 span on that day continues without a gap.
  An end of ``time(0, 0)`` is refused, like any span that does not end after it starts.
- Ambiguous local times (clocks turned back) are read at their first occurrence (fold=0);
  local times that do not exist (clocks jumped forward) move to the first moment that does.
- add_business_time with a zero delta returns next_open(start): ``start`` itself when the
  site is open, else the next opening. A positive delta that uses up a span exactly returns
  that span's end, not the next opening. Negative deltas are refused.
- parse_hours refuses text it cannot read with HoursError, whose message managers see next to
  the hours field: it is translated when turned into a string (the viewer's language inside a
  request, English outside an app context). Errors that only a programmer can cause (naive
  datetimes, bad Calendar arguments) stay plain ValueErrors in English.
"""

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l

Span = tuple[time, time]
Hours = Mapping[int, tuple[Span, ...]]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A calendar that works somewhere still stops a search after this many closed days in a row
# (about ten years), so a wall of holidays cannot turn a lookup into an endless loop.
MAX_CLOSED_DAYS = 3700

_ONE_DAY = timedelta(days=1)


class HoursError(ValueError):
    """Hours text that parse_hours cannot read; the message (a lazy translation) says why and
    is rendered in the current language each time the error is turned into a string."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Calendar:
    """When a site works: weekday hours in the site's timezone and local holidays, or 24/7.

    hours maps a weekday (0 = Monday … 6 = Sunday) to its (start, end) spans of naive local
    ``time``; ``end == time.max`` means "to midnight". Spans are sorted on construction and must
    not overlap; days missing or empty are closed. None means open 24/7.
    """

    timezone: str = "UTC"
    # A mapping cannot be hashed; leaving it out of the hash keeps equal calendars' hashes equal.
    hours: Hours | None = field(default=None, hash=False)
    holidays: frozenset[date] = frozenset()  # local dates closed all day (ignored when 24/7)

    def __post_init__(self):
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        if self.hours is not None:
            object.__setattr__(self, "hours", MappingProxyType(_checked_hours(self.hours)))
        holidays = frozenset(self.holidays)
        # A datetime never equals a date, so it would silently never close anything.
        if any(isinstance(day, datetime) or not isinstance(day, date) for day in holidays):
            raise ValueError("holidays must be dates (local days), not datetimes")
        object.__setattr__(self, "holidays", holidays)

    @property
    def always_open(self) -> bool:
        """Whether the site works around the clock."""
        return self.hours is None


ALWAYS = Calendar()


def is_open(cal: Calendar, moment: datetime) -> bool:
    """Whether the site works at this moment."""
    moment = _utc(moment)
    if cal.always_open:
        return True
    return any(s <= moment < e for s, e in _spans(cal, moment, until=moment))


def next_open(cal: Calendar, moment: datetime) -> datetime:
    """The moment itself when open, else the start of the next working span."""
    moment = _utc(moment)
    if cal.always_open:
        return moment
    for start, _end in _spans(cal, moment):
        return max(start, moment)
    raise AssertionError("unreachable: _spans without `until` yields or raises")


def add_business_time(cal: Calendar, start: datetime, delta: timedelta) -> datetime:
    """The moment when `delta` of working time has passed since `start` (24/7: start+delta)."""
    start = _utc(start)
    if delta < timedelta(0):
        raise ValueError(f"negative business time {delta}")
    if cal.always_open:
        return start + delta
    if not delta:
        return next_open(cal, start)
    remaining = delta
    for span_start, span_end in _spans(cal, start):
        cursor = max(span_start, start)
        if remaining <= span_end - cursor:
            return cursor + remaining
        remaining -= span_end - cursor
    raise AssertionError("unreachable: _spans without `until` yields or raises")


def business_time_between(cal: Calendar, a: datetime, b: datetime) -> timedelta:
    """Working time inside [a, b); zero when b <= a."""
    a, b = _utc(a), _utc(b)
    if b <= a:
        return timedelta(0)
    if cal.always_open:
        return b - a
    total = timedelta(0)
    for start, end in _spans(cal, a, until=b):
        if start >= b:
            break
        total += min(end, b) - max(start, a)
    return total


def parse_hours(text: str) -> dict[int, tuple[Span, ...]]:
    """Parse a form like 'Mon-Fri 08:00-18:00; Sat 09:00-13:00' into Calendar.hours."""
    if not text or not text.strip():
        raise _empty()
    by_day: dict[int, list[Span]] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue  # a trailing or doubled ';' is harmless
        match = _PART.fullmatch(part)
        if not match:
            raise HoursError(
                # TRANSLATORS: "Mon-Fri 08:00-18:00" is what to type: keep it as it is (the
                # days are read in English only).
                _l(
                    "Cannot read “%(part)s”: write the days, then the times, "
                    "e.g. Mon-Fri 08:00-18:00.",
                    part=part,
                )
            )
        spans = [_parse_span(span, part) for span in match["spans"].split(",")]
        for day in _parse_days(match["days"], part):
            by_day.setdefault(day, []).extend(spans)
    if not by_day:
        raise _empty()
    hours = {}
    for day in sorted(by_day):
        spans = sorted(by_day[day])
        for (s1, e1), (s2, e2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                raise HoursError(
                    # TRANSLATORS: day is Mon … Sun; first and second are times like 08:00-12:00.
                    _l(
                        "Overlapping times on %(day)s: %(first)s and %(second)s.",
                        day=DAY_NAMES[day],
                        first=_format_span((s1, e1)),
                        second=_format_span((s2, e2)),
                    )
                )
        hours[day] = tuple(spans)
    return hours


def format_hours(hours: Hours) -> str:
    """The canonical text of Calendar.hours that parse_hours reads back."""
    if hours is None:
        raise ValueError("a 24/7 calendar (hours None) has no hours text")
    days_by_spans: dict[tuple[Span, ...], list[int]] = {}
    for day in range(7):
        spans = tuple(tuple(span) for span in hours.get(day, ()))
        if spans:
            days_by_spans.setdefault(spans, []).append(day)
    return "; ".join(
        f"{_format_days(days)} {','.join(_format_span(span) for span in spans)}"
        for spans, days in days_by_spans.items()
    )


# --- working spans in UTC ---------------------------------------------------------------------


def _spans(
    cal: Calendar, since: datetime, until: datetime | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the working spans (UTC start, end) that end after `since`, in order, day by day."""
    zone = ZoneInfo(cal.timezone)
    # Start a day early: a span belongs to its local day, and a moment's local date can lag
    # behind a span of the next day where clocks go back across midnight.
    day = since.astimezone(zone).date() - _ONE_DAY
    if until is None:
        last = None
        if not any(cal.hours.values()):
            raise ValueError("the calendar has no working time on any day")
    else:
        last = until.astimezone(zone).date() + _ONE_DAY
    closed_days = 0
    while last is None or day <= last:
        found = False
        for start, end in _day_spans(cal, zone, day):
            if end > since:
                found = True
                yield start, end
        if last is None:
            closed_days = 0 if found else closed_days + 1
            if closed_days > MAX_CLOSED_DAYS:
                raise ValueError(
                    f"no working time in {MAX_CLOSED_DAYS} days after {since.isoformat()}"
                )
        day += _ONE_DAY


def _day_spans(cal: Calendar, zone: ZoneInfo, day: date) -> list[tuple[datetime, datetime]]:
    """The working spans of one local day in UTC; empty spans (inside a DST gap) dropped."""
    if day in cal.holidays:
        return []
    spans = []
    for start, end in cal.hours.get(day.weekday(), ()):
        utc_start = _to_utc(datetime.combine(day, start), zone)
        if end == time.max:
            utc_end = _to_utc(datetime.combine(day + _ONE_DAY, time(0)), zone)
        else:
            utc_end = _to_utc(datetime.combine(day, end), zone)
        if utc_start < utc_end:
            spans.append((utc_start, utc_end))
    return spans


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall-clock time as UTC; one inside a DST gap becomes the gap's end."""
    moment = wall.replace(tzinfo=zone).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == wall:
        return moment
    # The wall time was skipped. fold=0 reads it with the offset before the jump and fold=1
    # with the one after, which puts the two readings on either side of the transition; the
    # first existing moment is the transition itself, found by bisecting whole seconds (tz
    # transitions fall on whole seconds).
    other = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo = math.floor(min(moment, other).timestamp())
    hi = math.ceil(max(moment, other).timestamp())
    before = datetime.fromtimestamp(lo, zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def _utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; naive ones are refused because their zone is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: Wave's datetimes are aware UTC")
    return moment.astimezone(UTC)


def _checked_hours(hours: Hours) -> dict[int, tuple[Span, ...]]:
    """Calendar.hours validated, spans sorted, closed days left out."""
    checked = {}
    for day, spans in hours.items():
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {day!r}")
        spans = [tuple(span) for span in spans]
        for span in spans:
            if len(span) != 2 or not all(isinstance(t, time) for t in span):
                raise ValueError(f"{DAY_NAMES[day]}: a span is a (start, end) pair of times")
            start, end = span
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError(f"{DAY_NAMES[day]}: span times are naive local wall-clock times")
            if not start < end:
                raise ValueError(
                    f"{DAY_NAMES[day]}: span {start}-{end} does not end after it starts "
                    "(a span to midnight ends at time.max)"
                )
        spans.sort()
        for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                raise ValueError(f"{DAY_NAMES[day]}: overlapping spans")
        if spans:
            checked[day] = tuple(spans)
    return dict(sorted(checked.items()))


# --- text form --------------------------------------------------------------------------------


def _empty() -> HoursError:
    # TRANSLATORS: "Mon-Fri 08:00-18:00" is what to type: keep it as it is.
    return HoursError(_l("The working hours are empty: write e.g. Mon-Fri 08:00-18:00."))


_PART = re.compile(r"(?P<days>[A-Za-z][A-Za-z,\s-]*?)\s+(?P<spans>[0-9].*)")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DAY_NUMBERS = {name.lower(): number for number, name in enumerate(DAY_NAMES)}


def _parse_days(text: str, part: str) -> list[int]:
    """Weekday numbers from 'Mon-Fri', 'Mon,Wed' or a mix; a range may wrap ('Sat-Mon')."""
    days = []
    for item in text.split(","):
        ends = [_parse_day(name, part) for name in item.split("-")]
        if len(ends) == 1:
            days.append(ends[0])
        elif len(ends) == 2:
            first, last = ends
            days.extend((first + step) % 7 for step in range((last - first) % 7 + 1))
        else:
            raise HoursError(
                # TRANSLATORS: "Mon-Fri" is what to type: keep it as it is.
                _l(
                    "Bad range of days “%(range)s” in “%(part)s”: write e.g. Mon-Fri.",
                    range=item.strip(),
                    part=part,
                )
            )
    return days


def _parse_day(name: str, part: str) -> int:
    """One weekday number from its three-letter English name."""
    number = _DAY_NUMBERS.get(name.strip().lower())
    if number is None:
        raise HoursError(
            # TRANSLATORS: days is "Mon, Tue, Wed, Thu, Fri, Sat, Sun": the only day names read.
            _l(
                "Unknown day “%(day)s” in “%(part)s”: use %(days)s.",
                day=name.strip(),
                part=part,
                days=", ".join(DAY_NAMES),
            )
        )
    return number


def _parse_span(text: str, part: str) -> Span:
    """One 'HH:MM-HH:MM' span; '24:00' ends a span at midnight."""
    times = text.split("-")
    if len(times) != 2:
        raise HoursError(
            _l(
                "Bad times “%(span)s” in “%(part)s”: write start-end, e.g. 08:00-18:00.",
                span=text.strip(),
                part=part,
            )
        )
    start, end = _parse_time(times[0], part), _parse_time(times[1], part, end=True)
    if not start < end:
        raise HoursError(
            _l(
                "The times “%(span)s” in “%(part)s” do not end after they start (they cannot "
                "cross midnight: write …-24:00, and 00:00-… on the next day).",
                span=text.strip(),
                part=part,
            )
        )
    return start, end


def _parse_time(text: str, part: str, end: bool = False) -> time:
    """One 'HH:MM' time; '24:00' only as an end, read as time.max."""
    text = text.strip()
    match = _TIME.fullmatch(text)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour == 24 and minute == 0:
            if end:
                return time.max
            raise HoursError(
                _l(
                    "Bad time “%(time)s” in “%(part)s”: 24:00 can only be an end time.",
                    time=text,
                    part=part,
                )
            )
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise HoursError(
        _l(
            "Bad time “%(time)s” in “%(part)s”: use HH:MM from 00:00 to 24:00.",
            time=text,
            part=part,
        )
    )


def _format_days(days: list[int]) -> str:
    """Weekday numbers as 'Mon-Wed,Fri': runs of consecutive days become ranges."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        DAY_NAMES[run[0]] if len(run) == 1 else f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
        for run in runs
    )


def _format_span(span: Span) -> str:
    """One span as 'HH:MM-HH:MM' (time.max as '24:00')."""
    return f"{_format_time(span[0])}-{_format_time(span[1])}"


def _format_time(moment: time) -> str:
    """A time as 'HH:MM'; the text form has no seconds, so they are refused, not dropped."""
    if moment == time.max:
        return "24:00"
    if moment.second or moment.microsecond:
        raise ValueError(f"{moment} has seconds; the hours text holds minutes only")
    return f"{moment.hour:02d}:{moment.minute:02d}"
