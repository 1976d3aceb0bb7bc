"""Which targets and which calendar a request faces.

Targets come from SLA policies: rows for category × priority × tenant SLA class where an
empty dimension matches everything. For each target (response, resolution) separately the
most specific row that sets it wins; a row naming the category beats any row that does not,
then priority beats class. A category's own times (set in the catalog) stand between the
policies that name the category and those that do not. Nothing found: no target.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select

from wave.extensions import db
from wave.sla import hours
from wave.sla.models import Holiday, SiteCalendar, SlaPolicy


@dataclass(frozen=True)
class Targets:
    response_minutes: int | None
    resolution_minutes: int | None


def targets_for(category, priority: str, sla_class: str | None) -> Targets:
    """The response and resolution targets for a request of this kind."""
    rows = db.session.scalars(
        select(SlaPolicy).where(
            or_(SlaPolicy.category_id.is_(None), SlaPolicy.category_id == category.id),
            or_(SlaPolicy.priority.is_(None), SlaPolicy.priority == priority),
            or_(SlaPolicy.sla_class.is_(None), SlaPolicy.sla_class == sla_class),
        )
    ).all()
    ranked = sorted(rows, key=_specificity, reverse=True)
    return Targets(
        _first(ranked, category, "response_minutes"),
        _first(ranked, category, "resolution_minutes"),
    )


def _specificity(row: SlaPolicy) -> tuple[int, int, int, int]:
    return (
        row.category_id is not None,
        row.priority is not None,
        row.sla_class is not None,
        -row.id,
    )


def _first(ranked, category, field):
    for row in ranked:
        if row.category_id is None and getattr(category, field):
            return getattr(category, field)  # the category's own time beats generic rows
        if getattr(row, field):
            return getattr(row, field)
    return getattr(category, field)


def calendar_for(site) -> hours.Calendar:
    """The site's working time in its timezone; 24/7 without a calendar."""
    saved = db.session.get(SiteCalendar, site.id)
    if saved is None or not saved.hours:
        return hours.Calendar(timezone=site.timezone)
    days = db.session.scalars(select(Holiday.day).where(Holiday.site_id == site.id)).all()
    return hours.Calendar(
        timezone=site.timezone, hours=hours.parse_hours(saved.hours), holidays=frozenset(days)
    )
