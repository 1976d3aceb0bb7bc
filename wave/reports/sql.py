"""SQL that PostgreSQL and SQLite spell differently: the time between two moments,
percentiles, a few ids to look up, and a list of spans of time. Same numbers on both.

SQLite has no percentile function. `measured()` adds to a subquery, for each measure, its
rank among the non-empty values of its group (row_number) and how many there are (count),
and `percentile()` then picks the two neighbours percentile_cont would pick and interpolates
between them the way PostgreSQL does: k = p·(n − 1), value = x[⌊k⌋] + (k − ⌊k⌋)·(x[⌊k⌋+1] −
x[⌊k⌋]) (0-based). PostgreSQL uses percentile_cont itself.
"""

from datetime import datetime

from sqlalchemy import (
    Float,
    Integer,
    and_,
    any_,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import Grouping
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
    # date_part is float8; EXTRACT is numeric since PostgreSQL 14, and twice as slow here.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"date_part('epoch', {later} - {earlier})"


@compiles(seconds_between)
def _seconds_sqlite(element, compiler, **kw):
    # julianday() keeps milliseconds; rounding to them removes the float noise of the days.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"round((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


def among(column, ids):
    """`column` is one of the ids a query selects. On PostgreSQL as = ANY(ARRAY(query)): the
    ids are gathered first and looked up by index, where IN (query) would be planned on a
    guess of how many there are — and for the few late completions (conditions.py) the guess
    is a quarter of the table, so it would scan one."""
    if is_postgres():
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)


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


FRACTIONS = (0.5, 0.9)
"""The percentiles reports show. PostgreSQL computes them all in one percentile_cont over an
array of them: one sort of the values, where two percentile_cont calls take 20 % longer."""


def percentile(sub, name: str, p: float):
    """The p-th percentile (one of FRACTIONS, interpolated) of measure `name` of a
    measured() subquery: an aggregate, per group when the query groups as measured() did."""
    value = sub.c[name]
    if f"{name}_rn" not in sub.c:
        every = func.percentile_cont(postgresql.array(FRACTIONS)).within_group(value)
        return type_coerce(Grouping(every), postgresql.ARRAY(Float))[FRACTIONS.index(p) + 1]
    k = literal(p, Float) * (sub.c[f"{name}_n"] - 1)
    low = cast(k, Integer)  # k ≥ 0 whenever there are values: truncation is floor
    rank = sub.c[f"{name}_rn"]
    first = func.max(case((and_(rank == low + 1, value.is_not(None)), value)))
    second = func.max(case((and_(rank == low + 2, value.is_not(None)), value)))
    fraction = func.max(k - low)
    return first + fraction * (func.coalesce(second, first) - first)


# --------------------------------------------------------------------------- spans
def spans(starts: list[datetime]):
    """The spans between consecutive moments as rows (n, lo, hi), n from 1: on PostgreSQL
    two arrays unnested (two parameters however many spans), on SQLite a UNION ALL."""
    if is_postgres():
        moments = postgresql.ARRAY(UTCDateTime)
        return (
            func.unnest(literal(starts[:-1], moments), literal(starts[1:], moments))
            .table_valued("lo", "hi", with_ordinality="n")
            .render_derived(name="spans", with_types=False)
        )
    return union_all(
        *[
            select(literal(n, Integer).label("n"), moment(lo).label("lo"), moment(hi).label("hi"))
            for n, (lo, hi) in enumerate(zip(starts, starts[1:], strict=False), 1)
        ]
    ).subquery("spans")
