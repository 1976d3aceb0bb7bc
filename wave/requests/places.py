"""Picking the place of a request typed in by staff (the desk, a chat message): places found
by name, a few at a time, so the form stays small however many places the sites have.

A place is an active location or asset of an active site; a form names it 'l<id>' or 'a<id>'.
Archiving a location archives everything under it (wave.qr.services), so a place's own mark,
its location's and its site's say whether it is in use.
"""

import functools
import re
from typing import NamedTuple

from sqlalchemy import Integer, String, and_, bindparam, case, func, literal, or_, select, union_all

from wave.extensions import db
from wave.qr.models import Asset, Location, Site

MATCHES = 15
"""Places offered for one search: enough to spot the one meant, few enough for a phone."""

_LONGEST = 120
"""Characters of a search looked at (the form allows as many)."""
_WORDS = 6
"""Words of a search looked at: each one is a condition."""

_WALKED = 1000
"""Matches whose paths are walked at most, the best by grade, site and name."""

_VALUE = re.compile(r"^([la])([1-9][0-9]{0,9})$")


class Place(NamedTuple):
    value: str
    """'l<id>' or 'a<id>': what the form posts as `place`."""
    name: str
    path: str
    """Where it is: 'Site · Floor · Room' (without its own name)."""


def find_places(text: str, limit: int = MATCHES) -> list[Place]:
    """Active places whose name or site's name holds every word of `text` (any case, any
    part), best first: names starting with the words, then names with a word starting so,
    then names holding them, then places found by their site's name; each by path.

    One statement however many places match: a scan of the places' names (plain LIKE, no
    index or extension needed at thousands of places), the paths of the best few walked up
    the tree in the same statement, and a LIMIT."""
    words = text[:_LONGEST].lower().split()[:_WORDS]
    if not words:
        return []
    phrase = _escaped(" ".join(words))
    params = {"starts": f"{phrase}%", "word_starts": f"% {phrase}%", "holds": f"%{phrase}%"}
    params |= {f"w{i}": f"%{_escaped(word)}%" for i, word in enumerate(words)}
    return _run(_statement(_dialect(), len(words)), {**params, "limit": limit})


def place_by_value(value: str | None) -> Place | None:
    """The place a form's `place` names if it is (still) in use, else None."""
    matched = _VALUE.match(value or "")
    if matched is None:
        return None
    params = {"kind": matched.group(1), "ident": int(matched.group(2)), "limit": 1}
    found = _run(_statement(_dialect(), None), params)
    return found[0] if found else None


def offered(text: str, chosen: str | None) -> list[Place]:
    """What the picker shows: the chosen place (if in use), then the matches of `text`."""
    place = place_by_value(chosen)
    matches = find_places(text)
    if place is None or place in matches:
        return matches
    return [place, *matches]


def parse_place(value: str) -> tuple[Location | None, Asset | None]:
    """(location, None) or (None, asset) for a `Place.value`."""
    kind, ident = value[:1], int(value[1:])
    if kind == "a":
        return None, db.session.get(Asset, ident)
    return db.session.get(Location, ident), None


def _run(statement, params) -> list[Place]:
    if _dialect() == "sqlite":
        # SQLite's lower() lowers ASCII only ('Кухня' stays): Python's, per connection.
        connection = db.session.connection().connection.driver_connection
        connection.create_function("wave_lower", 1, _lower_text, deterministic=True)
    rows = db.session.execute(statement, params)
    return [
        Place(f"{kind}{ident}", name, " · ".join(filter(None, (site, path))))
        for kind, ident, name, site, path in rows
    ]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@functools.cache
def _statement(dialect: str, words: int | None):
    """The search for that many words (bound as :w0 …, the whole as :starts, :word_starts,
    :holds), or with `words` None the place :kind :ident; at most :limit places.

    Built once per shape: building it costs more than running it on thousands of places."""
    lower = func.wave_lower if dialect == "sqlite" else func.lower

    def matching(kind, table):
        """(grade, condition) of one kind of place: grade 0 is the best."""
        if words is None:
            this = and_(bindparam("kind", type_=String) == kind, table.id == bindparam("ident"))
            return literal(0), this
        name = lower(table.name)
        grade = case(
            (name.like(bindparam("starts"), escape="/"), 0),
            (lower(" " + table.name).like(bindparam("word_starts"), escape="/"), 1),
            (name.like(bindparam("holds"), escape="/"), 2),
            else_=3,
        )
        every_word = [
            or_(
                name.like(bindparam(f"w{i}"), escape="/"),
                table.site_id.in_(
                    select(Site.id).where(lower(Site.name).like(bindparam(f"w{i}"), escape="/"))
                ),
            )
            for i in range(words)
        ]
        return grade, and_(*every_word)

    location_grade, location_matches = matching("l", Location)
    locations = (
        select(
            literal("l").label("kind"),
            Location.id,
            Location.name,
            Location.parent_id.label("up"),
            Site.name.label("site"),
            location_grade.label("grade"),
        )
        .join(Site, Site.id == Location.site_id)
        .where(Location.archived_at.is_(None), Site.archived_at.is_(None), location_matches)
    )
    asset_grade, asset_matches = matching("a", Asset)
    assets = (
        select(
            literal("a").label("kind"),
            Asset.id,
            Asset.name,
            Asset.location_id.label("up"),
            Site.name.label("site"),
            asset_grade.label("grade"),
        )
        .join(Location, Location.id == Asset.location_id)
        .join(Site, Site.id == Location.site_id)
        .where(
            Asset.archived_at.is_(None),
            Location.archived_at.is_(None),
            Site.archived_at.is_(None),
            asset_matches,
        )
    )
    hits = union_all(locations, assets).cte("hits")
    # Places are shown by grade, site, then path: only the (grade, site) groups that begin
    # within the first :limit hits can be shown, and only their paths are walked (one letter
    # matches nearly every place). At most _WALKED of them, by name: a bigger group (a word
    # in a thousand names of one site) is shown by path among those, and the cap keeps the
    # planner's guess small enough that PostgreSQL does not JIT-compile the statement.
    ranked = select(
        hits, func.rank().over(order_by=(hits.c.grade, hits.c.site)).label("group_starts")
    ).cte("ranked")
    best = (
        select(ranked)
        .where(ranked.c.group_starts <= bindparam("limit"))
        .order_by(ranked.c.grade, ranked.c.site, ranked.c.name, ranked.c.kind, ranked.c.id)
        .limit(_WALKED)
        .cte("best")
    )
    # Each climbs one location a step, putting its name in front, until the top.
    chain = select(best.c.kind, best.c.id, best.c.up, literal("", String).label("path")).cte(
        "chain", recursive=True
    )
    above = Location.__table__.alias("above")
    chain = chain.union_all(
        select(
            chain.c.kind,
            chain.c.id,
            above.c.parent_id,
            case((chain.c.path == "", above.c.name), else_=above.c.name + " · " + chain.c.path),
        ).join(above, above.c.id == chain.c.up)
    )
    return (
        select(best.c.kind, best.c.id, best.c.name, best.c.site, chain.c.path)
        .join(chain, and_(chain.c.kind == best.c.kind, chain.c.id == best.c.id))
        .where(chain.c.up.is_(None))
        .order_by(best.c.grade, best.c.site, chain.c.path, best.c.name, best.c.kind, best.c.id)
        .limit(bindparam("limit", type_=Integer))
    )


def _escaped(text: str) -> str:
    """`text` taken literally by LIKE … ESCAPE '/'."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _lower_text(value):
    return value.lower() if isinstance(value, str) else value
