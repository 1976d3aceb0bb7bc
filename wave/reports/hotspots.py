"""Hot spots: the locations and assets with the most requests created in the period, and
repeat failures: the period's requests that repeat an earlier one at the same asset (else
location) and of the same category, at most 30 days before. Each request stores the one it
repeats (repeat_of_id, set by wave/requests/repeats.py), which need not match the report's
filters: the same place and category are what make a repeat failure."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select

from wave.extensions import db
from wave.qr.models import Asset, Location, Site
from wave.reports.conditions import SR, created, is_open, scope
from wave.reports.filters import Filters
from wave.requests.models import Category

TOP = 20

_LOCATION = Location.__table__
_PARENT = _LOCATION.alias("parent")
_ASSET = Asset.__table__
_SITE = Site.__table__
_CATEGORY = Category.__table__
_GROUP = _CATEGORY.alias("category_group")


@dataclass
class Spot:
    """A location or an asset: requests created in the period there, and how many of those
    are still open."""

    id: int
    name: str
    where: str
    """The parent location (for a location) or the location (for an asset)."""
    site: str
    requests: int
    open: int


@dataclass
class Repeat:
    """A place and category that failed again: the requests created in the period there
    (matching the filters), how many of them repeat an earlier request (of any team, person
    or source), and when the latest was created."""

    asset_id: int | None
    location_id: int | None
    place: str
    where: str
    site: str
    category: str
    requests: int
    repeats: int
    last_at: datetime


@dataclass
class Hotspots:
    locations: list[Spot] = field(default_factory=list)
    assets: list[Spot] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)


def hotspots(f: Filters) -> Hotspots:
    """The top 20 of each: three statements."""
    return Hotspots(_locations(f), _assets(f), _repeats(f))


def _counts(f: Filters, column):
    return (
        select(
            column.label("id"),
            func.count().label("requests"),
            func.count().filter(is_open(SR.c)).label("open"),
        )
        .where(*scope(SR.c, f), created(SR.c, f), column.is_not(None))
        .group_by(column)
        .subquery()
    )


def _locations(f: Filters) -> list[Spot]:
    counts = _counts(f, SR.c.location_id)
    query = (
        select(
            counts.c.id,
            _LOCATION.c.name,
            func.coalesce(_PARENT.c.name, "").label("where"),
            _SITE.c.name.label("site"),
            counts.c.requests,
            counts.c.open,
        )
        .select_from(
            counts.join(_LOCATION, _LOCATION.c.id == counts.c.id)
            .outerjoin(_PARENT, _PARENT.c.id == _LOCATION.c.parent_id)
            .join(_SITE, _SITE.c.id == _LOCATION.c.site_id)
        )
        .order_by(counts.c.requests.desc(), _LOCATION.c.name, counts.c.id)
        .limit(TOP)
    )
    return [Spot(**row._asdict()) for row in db.session.execute(query)]


def _assets(f: Filters) -> list[Spot]:
    counts = _counts(f, SR.c.asset_id)
    query = (
        select(
            counts.c.id,
            _ASSET.c.name,
            _LOCATION.c.name.label("where"),
            _SITE.c.name.label("site"),
            counts.c.requests,
            counts.c.open,
        )
        .select_from(
            counts.join(_ASSET, _ASSET.c.id == counts.c.id)
            .join(_LOCATION, _LOCATION.c.id == _ASSET.c.location_id)
            .join(_SITE, _SITE.c.id == _ASSET.c.site_id)
        )
        .order_by(counts.c.requests.desc(), _ASSET.c.name, counts.c.id)
        .limit(TOP)
    )
    return [Spot(**row._asdict()) for row in db.session.execute(query)]


def _repeats(f: Filters) -> list[Repeat]:
    """The period's requests grouped by place and category, with how many of them repeat an
    earlier one (the stored link, wave/requests/repeats.py), for the groups with repeats;
    the top 20 are named. The period's rows come from the report index, which carries the
    link on PostgreSQL."""
    # A place is the asset's id negated, else the location's id: one grouping key.
    place = func.coalesce(-SR.c.asset_id, SR.c.location_id)
    requests, repeats = func.count(), func.count(SR.c.repeat_of_id)
    last_at = func.max(SR.c.created_at)
    groups = (
        select(
            place.label("place"),
            SR.c.category_id,
            requests.label("requests"),
            repeats.label("repeats"),
            last_at.label("last_at"),
        )
        .where(*scope(SR.c, f), created(SR.c, f))
        .group_by(place, SR.c.category_id)
        .having(repeats > 0)
        .order_by(*_ranking(repeats, requests, last_at, place, SR.c.category_id))
        .limit(TOP)
        .subquery("groups")
    )
    g = groups.c
    asset_id, location_id = case((g.place < 0, -g.place)), case((g.place > 0, g.place))
    query = (
        select(
            asset_id.label("asset_id"),
            location_id.label("location_id"),
            func.coalesce(_ASSET.c.name, _LOCATION.c.name).label("place"),
            case((g.place < 0, _LOCATION.c.name), else_=_PARENT.c.name).label("where"),
            _SITE.c.name.label("site"),
            case(
                (_GROUP.c.name.is_not(None), _GROUP.c.name + " → " + _CATEGORY.c.name),
                else_=_CATEGORY.c.name,
            ).label("category"),
            g.requests,
            g.repeats,
            g.last_at,
        )
        .select_from(
            groups.outerjoin(_ASSET, _ASSET.c.id == -g.place)
            .join(_LOCATION, _LOCATION.c.id == func.coalesce(_ASSET.c.location_id, location_id))
            .outerjoin(_PARENT, _PARENT.c.id == _LOCATION.c.parent_id)
            .join(_SITE, _SITE.c.id == _LOCATION.c.site_id)
            .join(_CATEGORY, _CATEGORY.c.id == g.category_id)
            .outerjoin(_GROUP, _GROUP.c.id == _CATEGORY.c.parent_id)
        )
        .order_by(*_ranking(g.repeats, g.requests, g.last_at, g.place, g.category_id))
    )
    return [
        Repeat(**{**row._asdict(), "where": row.where or ""}) for row in db.session.execute(query)
    ]


def _ranking(repeats, requests, last_at, place, category_id) -> list:
    """Most repeats first, then most requests, the latest; place and category break ties."""
    return [repeats.desc(), requests.desc(), last_at.desc(), place, category_id]
