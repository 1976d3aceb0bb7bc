"""Twenty-one requests with known times for the report tests, written straight into the
tables (no lifecycle: every moment is chosen); the links of repeat failures are computed
over them all at the end (link_repeats), as the migration computed them.

Now is Friday 20 June 2025, 10:00 UTC (12:00 in Berlin, the tower's time zone); "this
month" is 1–20 June in Berlin: [31 May 22:00 UTC, 20 June 22:00 UTC).

Trash removal has targets (response 30 min, resolution 4 h); wet cleaning and printer
problems have none. C* were completed in June, O* are open, U* are new or cancelled, E* sit
on the period's first midnight, X1 and the O5/O6 predecessors are from May, D1 is at the
depot (UTC).

      created (UTC)   response     resolved     who   category  place        extra
C1    May 31 12:00    +30 min      Jun 1 12:00  sam   trash     room 101     late; rating 2
C2    Jun 2 08:00     +5           +60 min      olga  trash     room 101     rating 5
C3    Jun 3 08:00     +10          +90          olga  trash     room 102     by olga; rating 4
C4    Jun 4 08:00     +15          +120         tom   printer   printer P1
C5    Jun 5 08:00     +20          +180         sam   trash     room 101     reopened; rating 3
C6    Jun 8 08:00     +30          +240         olga  wet       room 102     by olga
C7    Jun 9 08:00     +40 (late)   +300 (late)  sam   trash     room 102
C8    Jun 10 12:30    +50          +600 (Jun 11 local)  tom  printer  printer P1  by tom;
                                                                   reopened; rating 4
O1    Jun 15 08:00    +60 (late)   in progress, due Jun 15 12:00 → overdue  olga trash 101
O2    Jun 16 08:00    +90 (late)   on hold from 10:00, due 12:00 → paused   sam trash 102
O3    Jun 17 08:00    +120 (late)  on hold from 13:00, due 12:00 → overdue  olga trash 101
O4    Jun 18 10:00    —            new, no target, by dina at the desk       printer coffee
O5    May 20 10:00    assigned olga, wet, room 102
O6    May 25 10:00    reopened, sam, wet, room 102
U1    Jun 20 08:00    —            new, response due 08:30 → missed, overdue  trash 101
U2    Jun 20 09:45    —            new, response due 10:15 → not yet          trash 102
U3    Jun 19 07:00    —            cancelled 07:10 before its 07:30 deadline  trash 101
E1    May 31 22:30 (1 June 00:30 in Berlin)   cancelled, wet, room 101
E2    May 31 21:30 (31 May 23:30 in Berlin)   cancelled, wet, room 101
X1    May 25 09:00    printer P1, done May 25 (tom)
D1    Jun 10 12:00    depot gate, wet, api, new
Labor (minutes, at completion): C1 60, C2 30, C3 30, C4 50, C5 30+15, C6 90, C7 60,
C8 130 = 495 in June; O5 25 and X1 40 in May.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from wave.extensions import db
from wave.qr.models import Asset, Location, Site
from wave.requests import repeats
from wave.requests.models import RequestEvent, ServiceRequest

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=UTC)


def at(month, day, hour=0, minute=0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def minutes(n) -> timedelta:
    return timedelta(minutes=n)


@dataclass
class Places:
    room102: Location
    coffee: Asset
    depot: Site
    gate: Location


def build_places(world) -> Places:
    room102 = Location(site=world.site, parent=world.floor, name="102 Kitchen", kind="room")
    coffee = Asset(location=room102, name="Coffee machine", kind="coffee")
    depot = Site(name="Harbour Depot", timezone="UTC")
    gate = Location(site=depot, name="Gate", kind="zone")
    db.session.add_all([room102, coffee, depot, gate])
    db.session.flush()
    return Places(room102, coffee, depot, gate)


def make(
    world,
    name,
    created,
    category,
    place,
    *,
    who=None,
    by=None,
    source="qr",
    answered=None,
    resolved=None,
    status=None,
    closed=None,
    hold=None,
    rating=None,
    labor=(),
    reopened=None,
    next_due=None,
):
    """One request with its timeline. `answered` and `resolved` are minutes after creation;
    due times follow the category's targets; `labor` is [(moment, minutes)], or
    [(moment, minutes, person)] for work done by someone other than `who`."""
    category = getattr(world, category)
    asset = place if isinstance(place, Asset) else None
    location = asset.location if asset else place
    response_due = resolution_due = None
    if category.response_minutes:
        response_due = created + minutes(category.response_minutes)
        resolution_due = created + minutes(category.resolution_minutes)
    first_response = created + minutes(answered) if answered is not None else None
    resolved_at = created + minutes(resolved) if resolved is not None else None
    status = status or ("done" if resolved_at else "new")
    req = ServiceRequest(
        source=source,
        category_id=category.id,
        site_id=location.site_id,
        location_id=location.id,
        asset_id=asset.id if asset else None,
        description=name,
        status=status,
        team_id=category.default_team_id,
        assignee_id=who.id if who else None,
        created_by_id=by.id if by else None,
        created_at=created,
        first_response_at=first_response,
        resolved_at=resolved_at,
        closed_at=closed,
        hold_started_at=hold,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        next_due_at=next_due,
        rating=rating,
        labor_minutes=sum(entry[1] for entry in labor),
        tracking_token=secrets.token_urlsafe(24),
    )
    db.session.add(req)
    db.session.flush()
    events = [RequestEvent(request_id=req.id, kind="created", created_at=created)]
    if first_response:
        events.append(RequestEvent(request_id=req.id, kind="taken", created_at=first_response))
    for moment, spent, *person in labor:
        person = person[0] if person else who
        data = {"minutes": spent, "assignee_id": person.id if person else None}
        events.append(RequestEvent(request_id=req.id, kind="labor", data=data, created_at=moment))
    if reopened:
        events.append(RequestEvent(request_id=req.id, kind="reopened", created_at=reopened))
    if rating:
        events.append(RequestEvent(request_id=req.id, kind="rating", created_at=resolved_at))
    db.session.add_all(events)
    return req


def build_requests(world, places: Places) -> dict[str, ServiceRequest]:
    w, p = world, places
    room, room102, printer, coffee = w.room, p.room102, w.printer, p.coffee
    r = {}
    r["C1"] = make(
        w,
        "C1",
        at(5, 31, 12),
        "trash",
        room,
        who=w.sam,
        answered=30,
        resolved=1440,
        status="closed",
        closed=at(6, 1, 13),
        rating=2,
        labor=[(at(6, 1, 12), 60)],
    )
    r["C2"] = make(
        w,
        "C2",
        at(6, 2, 8),
        "trash",
        room,
        who=w.olga,
        answered=5,
        resolved=60,
        status="closed",
        closed=at(6, 2, 10),
        rating=5,
        labor=[(at(6, 2, 9), 30)],
    )
    r["C3"] = make(
        w,
        "C3",
        at(6, 3, 8),
        "trash",
        room102,
        who=w.olga,
        by=w.olga,
        source="chat",
        answered=10,
        resolved=90,
        rating=4,
        labor=[(at(6, 3, 9, 30), 30)],
    )
    r["C4"] = make(
        w,
        "C4",
        at(6, 4, 8),
        "printer_problem",
        printer,
        who=w.tom,
        answered=15,
        resolved=120,
        labor=[(at(6, 4, 10), 50)],
    )
    r["C5"] = make(
        w,
        "C5",
        at(6, 5, 8),
        "trash",
        room,
        who=w.sam,
        answered=20,
        resolved=180,
        rating=3,
        reopened=at(6, 5, 10),
        labor=[(at(6, 5, 9), 30), (at(6, 5, 11), 15)],
    )
    r["C6"] = make(
        w,
        "C6",
        at(6, 8, 8),
        "wet",
        room102,
        who=w.olga,
        by=w.olga,
        source="chat",
        answered=30,
        resolved=240,
        labor=[(at(6, 8, 12), 90)],
    )
    r["C7"] = make(
        w,
        "C7",
        at(6, 9, 8),
        "trash",
        room102,
        who=w.sam,
        answered=40,
        resolved=300,
        labor=[(at(6, 9, 13), 60)],
    )
    r["C8"] = make(
        w,
        "C8",
        at(6, 10, 12, 30),
        "printer_problem",
        printer,
        who=w.tom,
        by=w.tom,
        source="chat",
        answered=50,
        resolved=600,
        rating=4,
        reopened=at(6, 10, 16),
        labor=[(at(6, 10, 22, 30), 130)],
    )
    r["O1"] = make(
        w,
        "O1",
        at(6, 15, 8),
        "trash",
        room,
        who=w.olga,
        answered=60,
        status="in_progress",
        next_due=at(6, 15, 12),
    )
    r["O2"] = make(
        w,
        "O2",
        at(6, 16, 8),
        "trash",
        room102,
        who=w.sam,
        answered=90,
        status="on_hold",
        hold=at(6, 16, 10),
    )
    r["O3"] = make(
        w,
        "O3",
        at(6, 17, 8),
        "trash",
        room,
        who=w.olga,
        answered=120,
        status="on_hold",
        hold=at(6, 17, 13),
    )
    r["O4"] = make(w, "O4", at(6, 18, 10), "printer_problem", coffee, by=w.dina, source="desk")
    r["O5"] = make(
        w,
        "O5",
        at(5, 20, 10),
        "wet",
        room102,
        who=w.olga,
        answered=60,
        status="assigned",
        labor=[(at(5, 20, 12), 25)],
    )
    r["O6"] = make(
        w,
        "O6",
        at(5, 25, 10),
        "wet",
        room102,
        who=w.sam,
        answered=10,
        status="reopened",
        reopened=at(5, 27, 10),
    )
    r["U1"] = make(w, "U1", at(6, 20, 8), "trash", room, next_due=at(6, 20, 8, 30))
    r["U2"] = make(w, "U2", at(6, 20, 9, 45), "trash", room102, next_due=at(6, 20, 10, 15))
    r["U3"] = make(
        w, "U3", at(6, 19, 7), "trash", room, status="cancelled", closed=at(6, 19, 7, 10)
    )
    r["E1"] = make(
        w, "E1", at(5, 31, 22, 30), "wet", room, status="cancelled", closed=at(5, 31, 23)
    )
    r["E2"] = make(
        w, "E2", at(5, 31, 21, 30), "wet", room, status="cancelled", closed=at(5, 31, 21, 45)
    )
    r["X1"] = make(
        w,
        "X1",
        at(5, 25, 9),
        "printer_problem",
        printer,
        who=w.tom,
        answered=10,
        resolved=120,
        status="closed",
        closed=at(5, 26),
        labor=[(at(5, 25, 11), 40)],
    )
    r["D1"] = make(w, "D1", at(6, 10, 12), "wet", p.gate, source="api")
    db.session.commit()
    link_repeats()
    return r


def link_repeats():
    """Each request's link to the one it repeats, computed over them all as the migration
    did (they were written out of order, so no request can find its predecessor alone)."""
    db.session.execute(sa.text("UPDATE service_requests SET repeat_of_id = NULL"))
    db.session.execute(sa.text(repeats.backfill_sql(db.engine.dialect.name)))
    db.session.commit()
