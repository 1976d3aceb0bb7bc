"""Which targets and which calendar a request faces.

Targets come from SLA policies: rows for category × priority × tenant SLA class where an
empty dimension matches everything. A category's own times (set in the catalog) count as a
row naming only that category. For each target (response, resolution) separately, the
matching row that names the most dimensions wins; among equally specific rows the fastest
target wins (a class A tenant with urgent work gets the stricter of the two promises).
Nothing found: no target.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select

from wave import reference
from wave.extensions import db
from wave.sla import hours
from wave.sla.models import Holiday, SiteCalendar, SlaPolicy


@dataclass(frozen=True)
class Targets:
    response_minutes: int | None
    resolution_minutes: int | None


def targets_for(category, priority: str, sla_class: str | None) -> Targets:
    """The response and resolution targets for a request of this kind."""
    key = ("sla-policies", category.id, priority, sla_class)
    candidates = list(reference.value(key, lambda: _policies(category.id, priority, sla_class)))
    candidates.append((1, category.response_minutes, category.resolution_minutes))
    return Targets(_best(candidates, 1), _best(candidates, 2))


def _policies(category_id, priority, sla_class) -> tuple:
    """(dimensions named, response, resolution) of each policy row that matches."""
    rows = db.session.scalars(
        select(SlaPolicy).where(
            or_(SlaPolicy.category_id.is_(None), SlaPolicy.category_id == category_id),
            or_(SlaPolicy.priority.is_(None), SlaPolicy.priority == priority),
            or_(SlaPolicy.sla_class.is_(None), SlaPolicy.sla_class == sla_class),
        )
    )
    return tuple((_named(row), row.response_minutes, row.resolution_minutes) for row in rows)


def _named(row: SlaPolicy) -> int:
    return sum(value is not None for value in (row.category_id, row.priority, row.sla_class))


def _best(candidates, index: int) -> int | None:
    """The most specific row's target; the shortest among equally specific ones."""
    set_ = [(named, minutes) for named, *targets in candidates if (minutes := targets[index - 1])]
    if not set_:
        return None
    return max(set_, key=lambda c: (c[0], -c[1]))[1]


def calendar_for(site) -> hours.Calendar:
    """The site's working time in its timezone; 24/7 without a calendar."""
    key = ("calendar", site.id, site.timezone)
    return reference.value(key, lambda: _calendar(site.id, site.timezone))


def _calendar(site_id, timezone) -> hours.Calendar:
    saved = db.session.get(SiteCalendar, site_id)
    if saved is None or not saved.hours:
        return hours.Calendar(timezone=timezone)
    days = db.session.scalars(select(Holiday.day).where(Holiday.site_id == site_id)).all()
    return hours.Calendar(
        timezone=timezone, hours=hours.parse_hours(saved.hours), holidays=frozenset(days)
    )
