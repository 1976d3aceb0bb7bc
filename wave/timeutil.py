"""Time: always timezone-aware UTC inside Wave; local time only at the edges."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

_clock = None


def now() -> datetime:
    """The current time in UTC (tests may freeze it with set_clock)."""
    return _clock() if _clock else datetime.now(UTC)


def set_clock(clock):
    """Replace the clock (a callable returning an aware datetime); None restores the real one."""
    global _clock
    _clock = clock


class UTCDateTime(TypeDecorator):
    """A DateTime that stores UTC and always gives back an aware datetime (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use wave.timeutil.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
