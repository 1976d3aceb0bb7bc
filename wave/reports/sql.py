"""SQL that PostgreSQL and SQLite spell differently: the time between two moments,
percentiles, and the local day of a moment. Same numbers on both.

SQLite has no percentile function. `measured()` adds to a subquery, for each measure, its
rank among the non-empty values of its group (row_number) and how many there are (count),
and `percentile()` then picks the two neighbours percentile_cont would pick and interpolates
between them the way PostgreSQL does: k = p·(n − 1), value = x[⌊k⌋] + (k − ⌊k⌋)·(x[⌊k⌋+1] −
x[⌊k⌋]) (0-based). PostgreSQL uses percentile_cont itself.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from wave.extensions import db
from wave.timeutil import UTCDateTime


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def moment(value: datetime):
    """A moment as a bound parameter compared like the stored columns (SQLite keeps text)."""
    return literal(value, UTCDateTime)


class seconds_between(FunctionElement):
    """seconds_between(later, earlier): the seconds from one moment to another, a float."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_pg(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(seconds_between)
def _seconds_sqlite(element, compiler, **kw):
    # julianday() keeps milliseconds; rounding to them removes the float noise of the days.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"round((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


# --------------------------------------------------------------------------- percentiles
def measured(columns, measures: dict, *, where, group=()):
    """A subquery of `columns` and each measure (labelled by its key; NULL where it does not
    apply), over the rows `where` selects. On SQLite each measure also gets <key>_rn, its
    rank within `group` among the non-empty values, and <key>_n, how many those are."""
    extra = []
    if not is_postgres():
        for name, value in measures.items():
            extra += [
                func.row_number()
                .over(partition_by=[*group, value.is_(None)], order_by=value)
                .label(f"{name}_rn"),
                func.count(value).over(partition_by=list(group) or None).label(f"{name}_n"),
            ]
    labelled = [value.label(name) for name, value in measures.items()]
    return select(*columns, *labelled, *extra).where(*where).subquery()


def percentile(sub, name: str, p: float):
    """The p-th percentile (0–1, interpolated) of measure `name` of a measured() subquery:
    an aggregate, per group when the query groups as measured() did."""
    value = sub.c[name]
    if is_postgres():
        return func.percentile_cont(p).within_group(value)
    k = literal(p, Float) * (sub.c[f"{name}_n"] - 1)
    low = cast(k, Integer)  # k ≥ 0 whenever there are values: truncation is floor
    rank = sub.c[f"{name}_rn"]
    first = func.max(case((and_(rank == low + 1, value.is_not(None)), value)))
    second = func.max(case((and_(rank == low + 2, value.is_not(None)), value)))
    fraction = func.max(k - low)
    return first + fraction * (func.coalesce(second, first) - first)


# --------------------------------------------------------------------------- local days
def local_day(column, timezone: str, start: datetime, end: datetime, *, week=False):
    """The local date of a moment in `timezone` (the Monday of its week with week=True),
    for moments in [start, end). A date on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    if is_postgres():
        local = func.timezone(timezone, column)
        if week:
            local = func.date_trunc("week", local)
        return cast(local, Date)
    # SQLite knows no time zones: shift by the offset in force at the moment, which changes
    # at the few instants summer time begins or ends within the period.
    shifts = _offsets(ZoneInfo(timezone), start, end)
    modifier = literal(_modifier(shifts[0][1]))
    if len(shifts) > 1:  # each piece's offset holds until the next piece begins
        modifier = case(
            *[
                (column < moment(shifts[i + 1][0]), _modifier(shifts[i][1]))
                for i in range(len(shifts) - 1)
            ],
            else_=_modifier(shifts[-1][1]),
        )
    if week:
        return func.date(column, modifier, "weekday 0", "-6 days")
    return func.date(column, modifier)


def as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _modifier(offset: timedelta) -> str:
    return f"{int(offset.total_seconds()):+d} seconds"


def _offsets(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, timedelta]]:
    """The UTC offsets of `tz` over [start, end): (from when, offset), first from start.
    Offsets change at most a couple of times a year (summer time), never twice a day."""
    pieces = [(start, start.astimezone(tz).utcoffset())]
    day = timedelta(days=1)
    at = start
    while at < end:
        following = min(at + day, end)
        if following.astimezone(tz).utcoffset() != pieces[-1][1]:
            pieces.append(_change(tz, at, following, pieces[-1][1]))
        at = following
    return pieces


def _change(tz, before: datetime, after: datetime, old: timedelta):
    """Where between two moments the offset stops being `old`: to the second."""
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == old:
            low = middle
        else:
            high = middle
    changed = datetime.fromtimestamp(high, UTC)
    return changed, changed.astimezone(tz).utcoffset()
