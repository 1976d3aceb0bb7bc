"""The best hand-written PostgreSQL for each report's figures: the baseline the reports
benchmark measures Wave's statements against (issue 6).

Each BASELINES[name](f) runs inside an app context on PostgreSQL and returns the same value
as wave.reports.figures.<name>(f), so `same(name, wave_result, baseline_result)` checks
them (floats to 1e-6 relative). Definitions: the docstring of wave/reports/__init__.py.

Written as an expert would for exactly these figures and the indexes Wave has, after
reading EXPLAIN (ANALYZE, BUFFERS) on the million-request database (bench/reports_notes.md):
- the period's requests are those created in it (a range of the index on created_at, which
  carries every column the figures read) and the few completed in it but created
  otherwise (by id, from the index on (resolved_at, created_at)), never an OR of the two;
- summary and scorecard are one statement each; the period's counts are aggregated per
  branch (in parallel); percentiles are percentile_cont over an array of fractions (one
  sort per measure), the summary's two measures side by side (Parallel Append);
- hot spots are one statement for the three lists;
- labor entries are added up from integer columns generated from their data.
"""

import math
from dataclasses import fields, is_dataclass
from datetime import timedelta

from sqlalchemy import text

from wave.extensions import db
from wave.reports.figures import BACKLOG_DAYS, ScoreRow, Summary, Trend, _bucket_days
from wave.reports.filters import Filters, midnight
from wave.reports.hotspots import TOP, Hotspots, Repeat, Spot
from wave.requests.models import OPEN_STATUSES

SETTINGS: list[str] = []
"""Session settings for the baselines' transactions, e.g. "SET LOCAL jit = off". None by
default: Wave cannot issue them without a statement more per report (which the query-count
test pins), so both sides run with the connection's settings (bench/reports_notes.md)."""


def run(sql: str, params: dict):
    """The statement's rows. With SETTINGS, in a transaction of their own: the session is
    rolled back afterwards, so that SET LOCAL lasts no longer."""
    if not SETTINGS:
        return db.session.execute(text(sql), params).all()
    for setting in SETTINGS:
        db.session.execute(text(setting))
    try:
        return db.session.execute(text(sql), params).all()
    finally:
        db.session.rollback()


def scope(f: Filters, r: str = "r", assignee: bool = True) -> tuple[str, dict]:
    """The filters besides the period, as SQL on alias `r`, and their parameters (without
    the employee, for labor entries, which keep their own person)."""
    where, params = [], {}
    for column, value in (
        ("site_id", f.site_id),
        ("team_id", f.team_id),
        ("assignee_id", f.assignee_id if assignee else None),
        ("source", f.source),
    ):
        if value:
            where.append(f"{r}.{column} = :{column}")
            params[column] = value
    if f.category_ids:
        where.append(f"{r}.category_id = ANY(:category_ids)")
        params["category_ids"] = list(f.category_ids)
    return "".join(f" AND {w}" for w in where), params


def _params(f: Filters, **more) -> dict:
    return {"start": f.start, "end": f.end, "now": f.now, **more}


# --------------------------------------------------------------------------- summary
CREATED_ROWS = """
  SELECT {columns}, true AS c, r.resolved_at >= :start AND r.resolved_at < :end AS d
  FROM service_requests r WHERE r.created_at >= :start AND r.created_at < :end {scope}
"""
LATE_ROWS = """
  SELECT {columns}, false AS c, true AS d
  FROM service_requests r WHERE r.id = ANY(ARRAY(
    SELECT id FROM service_requests
    WHERE resolved_at >= :start AND resolved_at < :end AND created_at < :start
    UNION ALL
    SELECT id FROM service_requests
    WHERE resolved_at >= :start AND resolved_at < :end AND created_at >= :end)) {scope}
"""
"""CREATED_ROWS: requests created in the period; LATE_ROWS: those completed in it but
created before (or, with a wrong clock, after) it (c: created in the period, d: completed in
it): two index ranges instead of an OR. The few late ones are found by id, as an array,
because the planner expects a quarter of the table there (it takes the two ranges as
independent) and would scan all earlier requests."""

COLUMNS = (
    "r.id, r.assignee_id, r.created_by_id, r.created_at, r.first_response_at, r.resolved_at, "
    "r.closed_at, r.response_due_at, r.resolution_due_at, r.rating"
)

COUNTS = """
    count(*) FILTER (WHERE d) AS done,
    count(*) FILTER (WHERE c AND response_due_at IS NOT NULL AND (first_response_at IS NOT NULL
                     OR response_due_at <= coalesce(closed_at, :now))) AS response_due,
    count(*) FILTER (WHERE c AND first_response_at <= response_due_at) AS response_met,
    count(*) FILTER (WHERE d AND resolution_due_at IS NOT NULL) AS resolution_due,
    count(*) FILTER (WHERE d AND resolved_at <= resolution_due_at) AS resolution_met,
    sum(rating) FILTER (WHERE d) AS rating_sum,
    count(rating) FILTER (WHERE d) AS rated,
    count(*) FILTER (WHERE d AND assignee_id = created_by_id) AS initiative"""
"""Counts that add up across branches: the ratings' sum, not their average."""


def _per_branch(columns: str, scope: str, tail: str = "") -> str:
    """`columns` taken over CREATED_ROWS and over LATE_ROWS apart, as a UNION ALL to add up:
    PostgreSQL aggregates a branch alone in parallel, never below a UNION ALL."""
    return " UNION ALL ".join(
        f"SELECT {columns} FROM ({rows.format(columns=COLUMNS, scope=scope)}) r {tail}"
        for rows in (CREATED_ROWS, LATE_ROWS)
    )


SUMMARY = """
WITH times AS (
  SELECT 'reaction' AS measure, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
      ORDER BY date_part('epoch', r.first_response_at - r.created_at)) AS p
  FROM service_requests r
  WHERE r.created_at >= :start AND r.created_at < :end AND r.first_response_at IS NOT NULL
    {scope}
  UNION ALL
  SELECT 'resolution', percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
      ORDER BY date_part('epoch', r.resolved_at - r.created_at))
  FROM service_requests r
  WHERE r.resolved_at >= :start AND r.resolved_at < :end {scope}
)
SELECT p.*, o.*, l.labor,
  (SELECT t.p FROM times t WHERE t.measure = 'reaction') AS reaction,
  (SELECT t.p FROM times t WHERE t.measure = 'resolution') AS resolution
FROM (
  SELECT sum(created)::int AS created, sum(done)::int AS done,
    sum(response_due)::int AS response_due, sum(response_met)::int AS response_met,
    sum(resolution_due)::int AS resolution_due, sum(resolution_met)::int AS resolution_met,
    sum(rating_sum)::int AS rating_sum, sum(rated)::int AS rated,
    sum(reopened)::int AS reopened, sum(initiative)::int AS initiative
  FROM ({branches}) b
) p, (
  SELECT
    count(*) FILTER (WHERE r.status <> 'on_hold' AND r.next_due_at <= :now
                     OR r.status = 'on_hold' AND r.resolution_due_at <= r.hold_started_at)
      AS overdue,
    {ages}
  FROM service_requests r
  WHERE r.status = ANY(:open) {scope}
) o, ({labor}) l
"""
"""The counts are taken in CREATED_ROWS and LATE_ROWS apart and added up (PostgreSQL aggregates a
branch alone in parallel, never below a UNION ALL). The percentiles of the two measures are
two branches of a UNION ALL, each over its own index range, which PostgreSQL runs side by
side (Parallel Append): an ordered-set aggregate is never split across processes."""

REOPENED = """
    count(*) FILTER (WHERE d AND id IN (
        SELECT request_id FROM request_events WHERE kind = 'reopened')) AS reopened"""


def _labor(f: Filters, by_assignee: bool = False) -> str:
    """Labor entries made in the period on matching requests, per the person each entry
    names (per assignee, or that of the employee filter), from the integer columns generated
    from the entry's data, which the partial index carries."""
    where, _ = scope(f, assignee=False)
    period = "e.kind = 'labor' AND e.created_at >= :start AND e.created_at < :end"
    if where:
        period += f" AND e.request_id IN (SELECT r.id FROM service_requests r WHERE true{where})"
    if f.assignee_id:
        period += " AND e.labor_assignee_id = :assignee_id"
    minutes = "coalesce(sum(e.labor_minutes), 0) AS labor"
    if by_assignee:
        return (
            f"SELECT e.labor_assignee_id AS assignee_id, {minutes} FROM request_events e "
            f"WHERE {period} AND e.labor_assignee_id IS NOT NULL GROUP BY 1"
        )
    return f"SELECT {minutes} FROM request_events e WHERE {period}"


def summary(f: Filters) -> Summary:
    where, params = scope(f)
    limits = {f"limit{i}": f.now - timedelta(days=d) for i, d in enumerate(BACKLOG_DAYS)}
    last = len(BACKLOG_DAYS) - 1
    ages = ["count(*) FILTER (WHERE r.created_at > :limit0) AS age_0"]
    ages += [
        f"count(*) FILTER (WHERE r.created_at <= :limit{i} AND r.created_at > :limit{i + 1})"
        f" AS age_{i + 1}"
        for i in range(last)
    ]
    ages.append(f"count(*) FILTER (WHERE r.created_at <= :limit{last}) AS age_{last + 1}")
    branches = _per_branch(f"count(*) FILTER (WHERE c) AS created, {COUNTS}, {REOPENED}", where)
    sql = SUMMARY.format(branches=branches, scope=where, ages=",\n    ".join(ages), labor=_labor(f))
    row = run(sql, _params(f, open=list(OPEN_STATUSES), **limits, **params))[0]
    reaction, resolution = row.reaction or (None, None), row.resolution or (None, None)
    return Summary(
        created=row.created,
        completed=row.done,
        overdue=row.overdue,
        response_due=row.response_due,
        response_met=row.response_met,
        resolution_due=row.resolution_due,
        resolution_met=row.resolution_met,
        reaction_median=reaction[0],
        reaction_p90=reaction[1],
        resolution_median=resolution[0],
        resolution_p90=resolution[1],
        labor=int(row.labor),
        rating=row.rating_sum / row.rated if row.rated else None,
        rated=row.rated,
        reopened=row.reopened,
        initiative=row.initiative,
        backlog=[getattr(row, f"age_{i}") for i in range(len(BACKLOG_DAYS) + 1)],
    )


# --------------------------------------------------------------------------- trend
TREND = """
SELECT 'created' AS what, b.n, count(*) AS count
FROM unnest(CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[])) WITH ORDINALITY
  AS b(lo, hi, n)
JOIN service_requests r ON r.created_at >= b.lo AND r.created_at < b.hi {scope}
GROUP BY b.n
UNION ALL
SELECT 'completed', b.n, count(*)
FROM unnest(CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[])) WITH ORDINALITY
  AS b(lo, hi, n)
JOIN service_requests r ON r.resolved_at >= b.lo AND r.resolved_at < b.hi {scope}
GROUP BY b.n
"""
"""Per bucket, one range of the index on created_at and one of the index on resolved_at
(both carry the filtered columns), counted: no row's bucket is worked out. The two are
branches of a UNION ALL, which PostgreSQL runs side by side (Parallel Append); counted in
scalar subqueries per bucket they would run one after the other (a SubPlan is parallel
restricted)."""


def trend(f: Filters) -> Trend:
    where, params = scope(f)
    firsts = _bucket_days(f)
    starts = [f.start, *[midnight(day, f.timezone) for day in firsts[1:]], f.end]
    rows = run(TREND.format(scope=where), _params(f, los=starts[:-1], his=starts[1:], **params))
    counts = {(r.what, r.n): r.count for r in rows}
    return Trend(
        f.weekly,
        [
            (day, counts.get(("created", n), 0), counts.get(("completed", n), 0))
            for n, day in enumerate(firsts, 1)
        ],
    )


# --------------------------------------------------------------------------- scorecard
SCORECARD = """
WITH period AS (
  SELECT assignee_id, sum(done)::int AS done, sum(response_due)::int AS response_due,
    sum(response_met)::int AS response_met, sum(resolution_due)::int AS resolution_due,
    sum(resolution_met)::int AS resolution_met, sum(rating_sum)::int AS rating_sum,
    sum(rated)::int AS rated, sum(initiative)::int AS initiative
  FROM ({branches}) b GROUP BY assignee_id
), times AS (
  SELECT r.assignee_id, percentile_cont(0.5) WITHIN GROUP (
      ORDER BY date_part('epoch', r.resolved_at - r.created_at)) AS median
  FROM service_requests r
  WHERE r.resolved_at >= :start AND r.resolved_at < :end AND r.assignee_id IS NOT NULL {scope}
  GROUP BY r.assignee_id
), late AS (
  SELECT r.assignee_id, count(*) AS overdue FROM service_requests r
  WHERE r.status = ANY(:open) AND r.assignee_id IS NOT NULL {scope}
    AND (r.status <> 'on_hold' AND r.next_due_at <= :now
         OR r.status = 'on_hold' AND r.resolution_due_at <= r.hold_started_at)
  GROUP BY r.assignee_id
), labor AS ({labor})
SELECT u.id, u.display_name, u.archived_at IS NOT NULL AS archived,
  coalesce(p.done, 0) AS done, coalesce(late.overdue, 0) AS overdue,
  coalesce(p.response_due, 0) AS response_due, coalesce(p.response_met, 0) AS response_met,
  coalesce(p.resolution_due, 0) AS resolution_due,
  coalesce(p.resolution_met, 0) AS resolution_met, t.median,
  coalesce(labor.labor, 0) AS labor, p.rating_sum, coalesce(p.rated, 0) AS rated,
  coalesce(p.initiative, 0) AS initiative
FROM (SELECT assignee_id FROM period UNION SELECT assignee_id FROM late
      UNION SELECT assignee_id FROM labor) people
JOIN users u ON u.id = people.assignee_id
LEFT JOIN period p ON p.assignee_id = people.assignee_id
LEFT JOIN times t ON t.assignee_id = people.assignee_id
LEFT JOIN late ON late.assignee_id = people.assignee_id
LEFT JOIN labor ON labor.assignee_id = people.assignee_id
ORDER BY u.display_name, u.id
"""
"""The period's counts are taken in CREATED_ROWS and LATE_ROWS apart and added up: PostgreSQL
aggregates a branch alone in parallel, never below a UNION ALL. The median reads completed
work as one range of the index on resolved_at."""


def scorecard(f: Filters) -> list[ScoreRow]:
    where, params = scope(f)
    assigned = where + " AND r.assignee_id IS NOT NULL"
    branches = _per_branch(f"assignee_id, {COUNTS}", assigned, "GROUP BY assignee_id")
    sql = SCORECARD.format(branches=branches, scope=where, labor=_labor(f, by_assignee=True))
    return [
        ScoreRow(
            user_id=r.id,
            name=r.display_name,
            archived=r.archived,
            done=r.done,
            overdue=r.overdue,
            response_due=r.response_due,
            response_met=r.response_met,
            resolution_due=r.resolution_due,
            resolution_met=r.resolution_met,
            resolution_median=r.median,
            labor=int(r.labor),
            rating=r.rating_sum / r.rated if r.rated else None,
            rated=r.rated,
            initiative=r.initiative,
        )
        for r in run(sql, _params(f, open=list(OPEN_STATUSES), **params))
    ]


# --------------------------------------------------------------------------- hot spots
HOTSPOTS = """
WITH rows AS {materialized} (
  SELECT r.location_id, r.asset_id, coalesce(-r.asset_id, r.location_id) AS place,
         r.category_id, r.created_at, r.status = ANY(:open) AS open, r.repeat_of_id
  FROM service_requests r
  WHERE r.created_at >= :start AND r.created_at < :end {scope}
), by_location AS (
  SELECT location_id AS id, count(*) AS requests, count(*) FILTER (WHERE open) AS open
  FROM rows WHERE location_id IS NOT NULL GROUP BY location_id
), by_asset AS (
  SELECT asset_id AS id, count(*) AS requests, count(*) FILTER (WHERE open) AS open
  FROM rows WHERE asset_id IS NOT NULL GROUP BY asset_id
), groups AS (
  SELECT place, category_id, count(*) AS requests, count(repeat_of_id) AS repeats,
         max(created_at) AS last_at
  FROM rows GROUP BY place, category_id HAVING count(repeat_of_id) > 0
  ORDER BY repeats DESC, requests DESC, last_at DESC, place, category_id LIMIT :top
)
(SELECT 'location' AS kind, l.id, loc.name, coalesce(parent.name, '') AS "where",
        s.name AS site, l.requests, l.open, NULL::int AS location_id, NULL AS category,
        NULL::int AS repeats, NULL::timestamptz AS last_at,
        row_number() OVER (ORDER BY l.requests DESC, loc.name, l.id) AS rank
 FROM by_location l JOIN locations loc ON loc.id = l.id
 LEFT JOIN locations parent ON parent.id = loc.parent_id JOIN sites s ON s.id = loc.site_id
 ORDER BY l.requests DESC, loc.name, l.id LIMIT :top)
UNION ALL
(SELECT 'asset', a.id, asset.name, loc.name, s.name, a.requests, a.open, NULL, NULL, NULL,
        NULL, row_number() OVER (ORDER BY a.requests DESC, asset.name, a.id)
 FROM by_asset a JOIN assets asset ON asset.id = a.id JOIN locations loc
   ON loc.id = asset.location_id JOIN sites s ON s.id = asset.site_id
 ORDER BY a.requests DESC, asset.name, a.id LIMIT :top)
UNION ALL
SELECT 'repeat', -nullif(least(g.place, 0), 0), coalesce(asset.name, loc.name),
       CASE WHEN g.place < 0 THEN loc.name ELSE coalesce(parent.name, '') END,
       s.name, g.requests, NULL, nullif(greatest(g.place, 0), 0),
       CASE WHEN cg.name IS NOT NULL THEN cg.name || ' → ' || c.name ELSE c.name END,
       g.repeats, g.last_at,
       row_number() OVER (ORDER BY g.repeats DESC, g.requests DESC, g.last_at DESC, g.place,
                          g.category_id)
FROM groups g LEFT JOIN assets asset ON asset.id = -g.place
JOIN locations loc ON loc.id = coalesce(asset.location_id, g.place)
LEFT JOIN locations parent ON parent.id = loc.parent_id JOIN sites s ON s.id = loc.site_id
JOIN categories c ON c.id = g.category_id LEFT JOIN categories cg ON cg.id = c.parent_id
"""
"""One statement for the three lists, over the period's rows, read from the index on
created_at (which carries every column they need, the stored repeat link among them) once per
list: cheaper than keeping them (MATERIALIZED) for all three. A repeat failure is a request
with a link (set when it was created): counted, never computed. A place is an asset's id
negated, else the location's id: one grouping key that is never NULL for a place."""


def hotspots(f: Filters, materialized: str = "NOT MATERIALIZED") -> Hotspots:
    where, params = scope(f)
    sql = HOTSPOTS.format(scope=where, materialized=materialized)
    rows = run(sql, _params(f, top=TOP, open=list(OPEN_STATUSES), **params))
    result = Hotspots()
    for r in sorted(rows, key=lambda r: r.rank):
        if r.kind == "repeat":
            result.repeats.append(
                Repeat(
                    r.id,
                    r.location_id,
                    r.name,
                    r.where,
                    r.site,
                    r.category,
                    r.requests,
                    r.repeats,
                    r.last_at,
                )
            )
        else:
            spot = Spot(r.id, r.name, r.where, r.site, r.requests, r.open)
            (result.locations if r.kind == "location" else result.assets).append(spot)
    return result


BASELINES = {"summary": summary, "trend": trend, "scorecard": scorecard, "hotspots": hotspots}


# --------------------------------------------------------------------------- comparing
def same(name: str, a, b) -> bool:
    """Whether two results of report `name` agree: exactly, floats to 1e-6 relative."""
    return _same(a, b)


def _same(a, b) -> bool:
    if is_dataclass(a) and type(a) is type(b):
        return all(_same(getattr(a, x.name), getattr(b, x.name)) for x in fields(a))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return False
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b
