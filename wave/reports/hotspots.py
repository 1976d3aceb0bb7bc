"""Hot spots: the locations and assets with the most requests created in the period, and
repeat failures (the same asset, else location, and category again within 30 days)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from wave.extensions import db
from wave.qr.models import Asset, Location, Site
from wave.reports.conditions import SR, created, is_open, scope
from wave.reports.filters import Filters
from wave.reports.sql import apart_at_most, moment
from wave.requests.models import Category
from wave.timeutil import UTCDateTime

TOP = 20
REPEAT_WITHIN = timedelta(days=30)

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
    """A place and category that failed again: requests created in the period that came at
    most 30 days after the one before."""

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
    """Each request in the period next to the one before it at the same place and of the
    same category (looking back 30 days before the period too), grouped by place; the top
    20 groups are named."""
    # A place is the asset's id negated, else the location's id: one sort key that is never
    # NULL (PostgreSQL sorts tuples with NULLs in them much slower: every later column is
    # found the slow way).
    place = func.coalesce(-SR.c.asset_id, SR.c.location_id)
    sequence = (
        select(
            place.label("place"),
            SR.c.category_id,
            SR.c.created_at,
            func.lag(SR.c.created_at, type_=UTCDateTime)
            .over(partition_by=[place, SR.c.category_id], order_by=[SR.c.created_at, SR.c.id])
            .label("previous_at"),
        )
        .where(
            *scope(SR.c, f),
            SR.c.created_at >= moment(f.start - REPEAT_WITHIN),
            SR.c.created_at < moment(f.end),
            or_(SR.c.asset_id.is_not(None), SR.c.location_id.is_not(None)),
        )
        .subquery("sequence")
    )
    s = sequence.c
    in_period = s.created_at >= moment(f.start)
    again = and_(
        in_period,
        s.previous_at.is_not(None),
        apart_at_most(s.created_at, s.previous_at, REPEAT_WITHIN.total_seconds()),
    )
    repeats = func.count().filter(again)
    groups = (
        select(
            s.place,
            s.category_id,
            func.count().filter(in_period).label("requests"),
            repeats.label("repeats"),
            func.max(s.created_at).label("last_at"),
        )
        .group_by(s.place, s.category_id)
        .having(repeats > 0)
        .order_by(*_ranking(s, repeats, func.count().filter(in_period), func.max(s.created_at)))
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
        .order_by(*_ranking(g, g.repeats, g.requests, g.last_at))
    )
    return [
        Repeat(**{**row._asdict(), "where": row.where or ""}) for row in db.session.execute(query)
    ]


def _ranking(c, repeats, requests, last_at) -> list:
    """Most repeats first, then most requests, the latest; place and category break ties."""
    return [repeats.desc(), requests.desc(), last_at.desc(), c.place, c.category_id]
