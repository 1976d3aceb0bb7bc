"""The report figures, each report computed by the database in one statement (hot spots in
three); definitions in wave/reports/__init__.py. Call them with Filters: summary(f),
trend(f), scorecard(f), hotspots(f).

The statements find their rows through indexes: the period's requests are those created in
it (service_requests.created_at; on PostgreSQL ix_service_requests_reports, which carries
every column the figures and filters read, so a year is read without the table) and the few
completed in it but created otherwise ((resolved_at, created_at)); open and overdue work by
.status; labor entries and reopenings by request_events (kind, created_at) (on PostgreSQL a
partial index of those two kinds that carries request_id and a labor entry's minutes and
person). Independent parts of a statement are branches of a UNION ALL, which PostgreSQL runs
side by side (Parallel Append). Measured against hand-written SQL in bench/reports_notes.md.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Integer,
    and_,
    cast,
    false,
    func,
    literal,
    select,
    true,
    union,
    union_all,
)

from wave.auth.models import User
from wave.extensions import db
from wave.reports.conditions import (
    EV,
    SR,
    completed,
    completed_otherwise,
    created,
    initiative,
    is_open,
    overdue,
    reopened,
    resolution_due,
    resolution_met,
    response_due,
    response_met,
    scope,
    within,
)
from wave.reports.filters import Filters, midnight
from wave.reports.hotspots import Hotspots, hotspots
from wave.reports.sql import (
    measured,
    moment,
    percentile,
    seconds_between,
    spans,
)

__all__ = ["Filters", "Hotspots", "ScoreRow", "Summary", "Trend"]
__all__ += ["hotspots", "scorecard", "summary", "trend"]  # the figures

BACKLOG_DAYS = (1, 3, 7, 30)
"""Backlog age limits in days: under 1, 1–3, 3–7, 7–30, 30 and more."""


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --------------------------------------------------------------------------- building blocks
class _Flagged:
    """The columns of service_requests, and the flags is_created and is_completed as
    expressions (conditions.py reads them where rows carry them)."""

    def __init__(self, **flags):
        self._flags = flags

    def __contains__(self, name: str) -> bool:
        return name in self._flags or name in SR.c

    def __getattr__(self, name: str):
        return self._flags[name] if name in self._flags else getattr(SR.c, name)


def _period_branches(f: Filters, where=()) -> list:
    """Requests created or completed in the period, as (columns, conditions) for each of two
    index ranges: those created in it, and those completed in it but created otherwise; the
    columns carry the flags is_created and is_completed."""
    return [
        (
            _Flagged(is_created=true(), is_completed=completed(SR.c, f)),
            [*scope(SR.c, f), *where, created(SR.c, f)],
        ),
        (
            _Flagged(is_created=false(), is_completed=true()),
            [*scope(SR.c, f), *where, completed_otherwise(f)],
        ),
    ]


def _times(f: Filters, names=("reaction", "resolution"), *, group=(), where=()):
    """The median and 90th percentile of the measures `names` per `group`, as rows (measure,
    *group, median, p90): reaction times of the requests created in the period and answered,
    resolution times of those completed in it. Each measure reads its own index range
    (created_at, resolved_at; on PostgreSQL both carry the filters' columns) and is a branch
    of a UNION ALL, which PostgreSQL runs side by side in two processes (Parallel Append):
    percentiles are ordered-set aggregates, which it never splits across processes itself."""
    measures = {
        "reaction": (
            seconds_between(SR.c.first_response_at, SR.c.created_at),
            [created(SR.c, f), SR.c.first_response_at.is_not(None)],
        ),
        "resolution": (seconds_between(SR.c.resolved_at, SR.c.created_at), [completed(SR.c, f)]),
    }
    parts = []
    for name in names:
        value, when = measures[name]
        keys = [SR.c[key] for key in group]
        rows = measured(keys, {"value": value}, where=[*when, *scope(SR.c, f), *where], group=keys)
        keys = [rows.c[key] for key in group]
        parts.append(
            select(
                literal(name).label("measure"),
                *keys,
                percentile(rows, "value", 0.5).label("median"),
                percentile(rows, "value", 0.9).label("p90"),
            ).group_by(*keys)
        )
    return union_all(*parts)


TALLIES = (
    "created completed response_due response_met resolution_due resolution_met rating_sum "
    "rated reopened initiative"
).split()
"""What the period's rows are counted for (_tallies)."""


def _tallies(c, f: Filters, names=TALLIES) -> list:
    """The period's counts `names` over rows flagged is_created and is_completed, and the sum
    of the ratings (the average is worked out afterwards, so that tallies can be added up)."""
    every = {
        "created": func.count().filter(created(c, f)),
        "completed": func.count().filter(completed(c, f)),
        "response_due": func.count().filter(response_due(c, f)),
        "response_met": func.count().filter(response_met(c, f)),
        "resolution_due": func.count().filter(resolution_due(c, f)),
        "resolution_met": func.count().filter(resolution_met(c, f)),
        "rating_sum": func.sum(c.rating).filter(completed(c, f)),
        "rated": func.count(c.rating).filter(completed(c, f)),
        "reopened": func.count().filter(completed(c, f), reopened(c)),
        "initiative": func.count().filter(initiative(c, f)),
    }
    return [every[name].label(name) for name in names]


def _period_tallies(f: Filters, names=TALLIES, *, group=(), where=()):
    """The period's tallies `names` per `group`, taken in each of _period_branches() and added
    up. PostgreSQL aggregates below a UNION ALL only in one process; a branch alone it reads
    in parallel (a year's scorecard counts: 630 → 350 ms on two cores)."""
    parts = []
    keys = [SR.c[name] for name in group]
    for rows, conditions in _period_branches(f, where):
        parts.append(select(*keys, *_tallies(rows, f, names)).where(*conditions).group_by(*keys))
    both = union_all(*parts).subquery("tallies")
    keys = [both.c[name] for name in group]
    sums = [cast(func.sum(both.c[name]), Integer).label(name) for name in names]
    return select(*keys, *sums).group_by(*keys)


def _labor(f: Filters, *, per_person: bool = False):
    """Minutes of the labor entries made in the period on matching requests; per person, by
    the one the request was assigned to when the entry was made (each entry keeps it). The
    employee filter, too, goes by the entry's person; the other filters by the request.
    Minutes and person are integer columns generated from the entry's data, which the
    partial index of labor entries carries on PostgreSQL: a year's half a million entries
    are added up from the index, none of them parsed."""
    person = EV.c.labor_assignee_id
    grouped = [person] if per_person else []
    query = select(
        *[person.label("assignee_id")] if per_person else [],
        func.coalesce(func.sum(EV.c.labor_minutes), 0).label("labor"),
    ).where(EV.c.kind == "labor", within(EV.c.created_at, f))
    if request_scope := scope(SR.c, f, assignee=False):
        query = query.join_from(EV, SR, SR.c.id == EV.c.request_id).where(*request_scope)
    if f.assignee_id:
        query = query.where(person == f.assignee_id)
    return query.group_by(*grouped)


# --------------------------------------------------------------------------- summary
@dataclass
class Summary:
    """A period's figures; times in seconds, None where nothing was counted."""

    created: int
    completed: int
    overdue: int
    response_due: int
    response_met: int
    resolution_due: int
    resolution_met: int
    reaction_median: float | None
    reaction_p90: float | None
    resolution_median: float | None
    resolution_p90: float | None
    labor: int
    """Minutes."""
    rating: float | None
    rated: int
    reopened: int
    initiative: int
    backlog: list[int]
    """Open requests now by age: under 1 day, 1–3, 3–7, 7–30, 30 days and more."""

    @property
    def response_compliance(self) -> float | None:
        return ratio(self.response_met, self.response_due)

    @property
    def resolution_compliance(self) -> float | None:
        return ratio(self.resolution_met, self.resolution_due)

    @property
    def reopen_rate(self) -> float | None:
        return ratio(self.reopened, self.completed)

    @property
    def initiative_share(self) -> float | None:
        return ratio(self.initiative, self.completed)

    @property
    def labor_hours(self) -> float:
        return self.labor / 60

    @property
    def open(self) -> int:
        return sum(self.backlog)


def summary(f: Filters) -> Summary:
    """The period's figures, overdue work and the backlog, in one statement: the tallies
    (aggregated in parallel), then the times (two measures side by side), then labor."""
    tallies = _period_tallies(f).subquery("tallies")
    times = _times(f).cte("times")
    reaction, resolution = (
        select(times.c.median, times.c.p90).where(times.c.measure == name).subquery(name)
        for name in ("reaction", "resolution")
    )
    now = _open_now(f).subquery("open_now")
    labor = _labor(f).subquery("labor")
    row = db.session.execute(
        select(
            *tallies.c,
            reaction.c.median.label("reaction_median"),
            reaction.c.p90.label("reaction_p90"),
            resolution.c.median.label("resolution_median"),
            resolution.c.p90.label("resolution_p90"),
            *now.c,
            labor.c.labor,
        ).select_from(
            tallies.join(reaction, true())
            .join(resolution, true())
            .join(now, true())
            .join(labor, true())
        )
    ).one()
    values = row._asdict()
    backlog = [values.pop(f"age_{i}") for i in range(len(BACKLOG_DAYS) + 1)]
    values["rating"] = ratio(values.pop("rating_sum") or 0, values["rated"])
    return Summary(**values, backlog=backlog)


def _open_now(f: Filters):
    """Open work now: how much is overdue, and how old it is."""
    limits = [moment(f.now - timedelta(days=days)) for days in BACKLOG_DAYS]
    ages = [SR.c.created_at > limits[0]]
    ages += [
        and_(SR.c.created_at <= newer, SR.c.created_at > older)
        for newer, older in zip(limits, limits[1:], strict=False)
    ]
    ages.append(SR.c.created_at <= limits[-1])
    return select(
        func.count().filter(overdue(SR.c, f)).label("overdue"),
        *[func.count().filter(age).label(f"age_{i}") for i, age in enumerate(ages)],
    ).where(is_open(SR.c), *scope(SR.c, f))


# --------------------------------------------------------------------------- trend
@dataclass
class Trend:
    weekly: bool
    buckets: list[tuple[date, int, int]]
    """(first day, created, completed) for every day or week of the period, empty ones
    too. Weeks start on Monday; the first begins on the period's first day."""

    @property
    def created(self) -> int:
        return sum(b[1] for b in self.buckets)

    @property
    def completed(self) -> int:
        return sum(b[2] for b in self.buckets)


def trend(f: Filters) -> Trend:
    """Created and completed per local day (per week for long periods), in one statement.

    The local midnights where buckets begin are worked out here (exact across summer time).
    For each bucket the database counts one range of the index on created_at and one of the
    index on resolved_at (on PostgreSQL both carry the filters' columns): it counts index
    entries, and works out no row's bucket. Created and completed are two branches of a
    UNION ALL, which PostgreSQL runs side by side (Parallel Append); buckets with nothing
    in them come back as no row."""
    firsts = _bucket_days(f)
    starts = [f.start, *[midnight(day, f.timezone) for day in firsts[1:]], f.end]

    def count(name, when):
        buckets = spans(starts)
        in_bucket = and_(when >= buckets.c.lo, when < buckets.c.hi)
        return (
            select(literal(name).label("what"), buckets.c.n, func.count().label("count"))
            .select_from(buckets.join(SR, in_bucket))
            .where(*scope(SR.c, f))
            .group_by(buckets.c.n)
        )

    rows = db.session.execute(
        union_all(count("created", SR.c.created_at), count("completed", SR.c.resolved_at))
    )
    counts = {(what, n): number for what, n, number in rows}
    return Trend(
        f.weekly,
        [
            (day, counts.get(("created", n), 0), counts.get(("completed", n), 0))
            for n, day in enumerate(firsts, 1)
        ],
    )


def _bucket_days(f: Filters) -> list[date]:
    """The first day of each bucket: every day, or the period's first day and each Monday."""
    if not f.weekly:
        return [f.date_from + timedelta(days=i) for i in range(f.days)]
    monday = f.date_from + timedelta(days=-f.date_from.weekday() + 7)
    days = [f.date_from]
    while monday <= f.date_to:
        days.append(monday)
        monday += timedelta(days=7)
    return days


# --------------------------------------------------------------------------- scorecard
@dataclass
class ScoreRow:
    """One assignee's figures for the period; times in seconds, labor in minutes."""

    user_id: int
    name: str
    archived: bool
    done: int
    overdue: int
    response_due: int
    response_met: int
    resolution_due: int
    resolution_met: int
    resolution_median: float | None
    labor: int
    rating: float | None
    rated: int
    initiative: int

    @property
    def response_compliance(self) -> float | None:
        return ratio(self.response_met, self.response_due)

    @property
    def resolution_compliance(self) -> float | None:
        return ratio(self.resolution_met, self.resolution_due)

    @property
    def labor_hours(self) -> float:
        return self.labor / 60


def scorecard(f: Filters) -> list[ScoreRow]:
    """One row per assignee with work in the period or overdue now, by name: one statement."""
    shown = [name for name in TALLIES if name not in ("created", "reopened")]
    period = _period_tallies(f, shown, group=["assignee_id"], where=[_assigned()]).cte("period")
    # The median apart (with it, the counts above would have to come sorted by person): one
    # range of the index on resolved_at.
    times = _times(f, ("resolution",), group=["assignee_id"], where=[_assigned()]).cte("times")
    late = (
        select(SR.c.assignee_id, func.count().label("overdue"))
        .where(is_open(SR.c), overdue(SR.c, f), _assigned(), *scope(SR.c, f))
        .group_by(SR.c.assignee_id)
        .cte("late")
    )
    labor = _labor(f, per_person=True).cte("labor")
    people = union(*[select(t.c.assignee_id) for t in (period, late, labor)]).subquery("people")
    user = User.__table__
    query = (
        select(
            user.c.id,
            user.c.display_name,
            user.c.archived_at,
            *[
                func.coalesce(period.c[name], 0).label(name)
                for name in (
                    "completed response_due response_met resolution_due resolution_met "
                    "rated initiative"
                ).split()
            ],
            times.c.median.label("resolution_median"),
            func.coalesce(period.c.rating_sum, 0).label("rating_sum"),
            func.coalesce(late.c.overdue, 0).label("overdue"),
            func.coalesce(labor.c.labor, 0).label("labor"),
        )
        .select_from(
            people.join(user, user.c.id == people.c.assignee_id)
            .outerjoin(period, period.c.assignee_id == people.c.assignee_id)
            .outerjoin(times, times.c.assignee_id == people.c.assignee_id)
            .outerjoin(late, late.c.assignee_id == people.c.assignee_id)
            .outerjoin(labor, labor.c.assignee_id == people.c.assignee_id)
        )
        .order_by(user.c.display_name, user.c.id)
    )
    return [
        ScoreRow(
            user_id=r.id,
            name=r.display_name,
            archived=r.archived_at is not None,
            done=r.completed,
            overdue=r.overdue,
            response_due=r.response_due,
            response_met=r.response_met,
            resolution_due=r.resolution_due,
            resolution_met=r.resolution_met,
            resolution_median=r.resolution_median,
            labor=int(r.labor),
            rating=ratio(r.rating_sum, r.rated),
            rated=r.rated,
            initiative=r.initiative,
        )
        for r in db.session.execute(query)
    ]


def _assigned():
    return SR.c.assignee_id.is_not(None)
