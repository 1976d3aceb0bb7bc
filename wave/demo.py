"""A realistic demo building, loaded once (running it again adds nothing)."""

import io
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from wave.auth.models import Team, User
from wave.extensions import db
from wave.files.images import Photo, read_photo, store_photo
from wave.messenger import chats
from wave.plans import services as plans
from wave.qr.codes import new_code
from wave.qr.models import Asset, Location, QrTag, Site
from wave.requests import discussion, from_chat, lifecycle, services
from wave.requests.models import (
    Category,
    Lease,
    TenantOrg,
    asset_categories,
    location_categories,
)
from wave.sla.models import Holiday, SiteCalendar, SlaPolicy
from wave.timeutil import now, set_clock
from wave.web.urls import public_base_url

SITE_NAME = "Riverside Business Centre"
SITE_TIMEZONE = "Europe/Berlin"

CATEGORIES = {
    # group: (team, [(item, priority, requires_photo, response_min, resolution_min)])
    "Cleaning": (
        "Cleaning",
        [
            ("Trash removal", "normal", False, 30, 240),
            ("Wet cleaning", "normal", True, 30, 240),
            ("Spill", "high", True, 15, 60),
        ],
    ),
    "Electrical": (
        "Technicians",
        [
            ("Bulb replacement", "normal", False, 60, 480),
            ("Socket or wiring check", "high", False, 30, 240),
            ("Appliance fault", "normal", False, 60, 480),
        ],
    ),
    "Plumbing": (
        "Technicians",
        [
            ("Leak", "urgent", True, 10, 120),
            ("Blocked drain", "high", False, 30, 240),
        ],
    ),
    "HVAC": (
        "Technicians",
        [
            ("Too hot or too cold", "normal", False, 60, 480),
            ("Air conditioner fault", "high", True, 30, 480),
        ],
    ),
    "IT": (
        "IT & Security",
        [
            ("Printer problem", "normal", False, 30, 240),
            ("Wi-Fi or network", "high", False, 15, 120),
        ],
    ),
    "Security": (
        "IT & Security",
        [
            ("Door or lock", "high", True, 15, 240),
            ("Access card", "normal", False, 30, 480),
        ],
    ),
}

USERS = [
    ("admin", "Anna Admin", "admin", None),
    ("manager", "Mark Manager", "manager", None),
    ("dispatcher", "Dina Desk", "dispatcher", None),
    ("olga", "Olga Petrova", "staff", "Cleaning"),
    ("sam", "Sam Okafor", "staff", "Cleaning"),
    ("ivan", "Ivan Sokolov", "staff", "Technicians"),
    ("maria", "Maria Garcia", "staff", "Technicians"),
    ("tom", "Tom Berg", "staff", "IT & Security"),
    ("lena", "Lena Kim", "staff", "IT & Security"),
]

# floor: rooms; assets: (room, name, kind, offered groups)
FLOORS = {
    "Ground floor": [
        "Lobby",
        "Reception",
        "Café",
        "Restroom G",
        "Bike room",
        "Mail room",
        "Security desk",
        "Lift hall G",
    ],
    "Floor 1": [
        "101 Nordlicht GmbH",
        "102 Open space",
        "103 Meeting room Oak",
        "104 Kitchen",
        "Restroom 1",
        "105 Server room",
        "106 Storage",
        "Lift hall 1",
    ],
    "Floor 2": [
        "201 Brightway Ltd",
        "202 Brightway Ltd",
        "203 Meeting room Pine",
        "204 Kitchen",
        "Restroom 2",
        "205 Phone booths",
        "206 Print corner",
        "Lift hall 2",
    ],
    "Floor 3": [
        "301 Coworking",
        "302 Coworking",
        "303 Meeting room Elm",
        "304 Kitchen",
        "Restroom 3",
        "305 Quiet room",
        "306 Archive",
        "Lift hall 3",
    ],
    "Floor 4": [
        "401 Helix Labs",
        "402 Helix Labs",
        "403 Board room",
        "404 Kitchen",
        "Restroom 4",
        "405 Terrace",
        "406 Gym",
        "Lift hall 4",
    ],
}
ASSETS = [
    ("Reception", "Entrance door", "door", ["Security"]),
    ("Café", "Coffee machine Café", "coffee machine", ["Electrical", "Cleaning"]),
    ("Lobby", "Revolving door", "door", ["Security"]),
    ("Bike room", "Bike room door", "door", ["Security"]),
    ("104 Kitchen", "Coffee machine 1", "coffee machine", ["Electrical", "Cleaning"]),
    ("204 Kitchen", "Coffee machine 2", "coffee machine", ["Electrical", "Cleaning"]),
    ("304 Kitchen", "Coffee machine 3", "coffee machine", ["Electrical", "Cleaning"]),
    ("404 Kitchen", "Coffee machine 4", "coffee machine", ["Electrical", "Cleaning"]),
    ("102 Open space", "Printer HP-102", "printer", ["IT"]),
    ("206 Print corner", "Printer Canon-206", "printer", ["IT"]),
    ("301 Coworking", "Printer Xerox-301", "printer", ["IT"]),
    ("403 Board room", "Projector 403", "projector", ["IT", "Electrical"]),
    ("103 Meeting room Oak", "AC unit 103", "air conditioner", ["HVAC"]),
    ("203 Meeting room Pine", "AC unit 203", "air conditioner", ["HVAC"]),
    ("303 Meeting room Elm", "AC unit 303", "air conditioner", ["HVAC"]),
    ("403 Board room", "AC unit 403", "air conditioner", ["HVAC"]),
    ("105 Server room", "Server room AC", "air conditioner", ["HVAC"]),
    ("105 Server room", "Server room door", "door", ["Security"]),
    ("406 Gym", "Gym door", "door", ["Security"]),
    ("405 Terrace", "Terrace door", "door", ["Security"]),
]


def load_demo() -> bool:
    """Create the demo building, people, requests and chats unless they exist. Returns True if
    created."""
    if db.session.scalar(select(Site).where(Site.name == SITE_NAME)):
        return False
    teams = {name: Team(name=name) for name in ("Cleaning", "Technicians", "IT & Security")}
    db.session.add_all(teams.values())
    users = _users(teams)
    groups, items = _categories(teams)
    site, rooms, assets = _building(groups)
    for name, cls in (("Nordlicht GmbH", "A"), ("Brightway Ltd", "B"), ("Helix Labs", "C")):
        org = TenantOrg(name=name, sla_class=cls)
        db.session.add(org)
        # Rooms are named after who rents them ("101 Nordlicht GmbH").
        for room_name, room in rooms.items():
            if room_name.endswith(name):
                db.session.add(Lease(location=room, tenant_org=org))
    _service_levels(site)
    db.session.commit()
    _plans(users, items, rooms, assets)
    _requests(users, items, rooms, assets)
    _chats(users, teams, items, rooms)
    return True


def _users(teams):
    password = current_app.config["WAVE_DEMO_PASSWORD"]
    users = {}
    for username, name, role, team in USERS:
        user = User(username=username, display_name=name, role=role)
        user.set_password(password)
        if team:
            user.teams.append(teams[team])
        users[username] = user
        db.session.add(user)
    users["manager"].teams.extend(teams.values())
    return users


def _categories(teams):
    groups, items = {}, {}
    for position, (group_name, (team, entries)) in enumerate(CATEGORIES.items()):
        group = Category(name=group_name, position=position, default_team=teams[team])
        groups[group_name] = group
        db.session.add(group)
        for item_position, (name, priority, photo, response, resolution) in enumerate(entries):
            items[name] = Category(
                name=name,
                parent=group,
                position=item_position,
                default_team=teams[team],
                default_priority=priority,
                requires_photo=photo,
                response_minutes=response,
                resolution_minutes=resolution,
            )
            db.session.add(items[name])
    db.session.flush()
    return groups, items


def _building(groups):
    site = Site(name=SITE_NAME, address="12 River Street", timezone=SITE_TIMEZONE)
    db.session.add(site)
    rooms = {}
    for floor_name, room_names in FLOORS.items():
        floor = Location(site=site, name=floor_name, kind="floor")
        db.session.add(floor)
        for room_name in room_names:
            room = Location(site=site, parent=floor, name=room_name, kind="room")
            rooms[room_name] = room
            db.session.add(room)
            db.session.add(QrTag(code=new_code(), location=room))
    db.session.flush()
    offered = ["Cleaning", "Electrical", "HVAC", "IT", "Security"]
    for name, room in rooms.items():
        room_groups = offered + (["Plumbing"] if "Restroom" in name or "Kitchen" in name else [])
        for group in room_groups:
            db.session.execute(
                location_categories.insert().values(
                    location_id=room.id, category_id=groups[group].id
                )
            )
    assets = {}
    for room_name, asset_name, kind, asset_groups in ASSETS:
        asset = Asset(location=rooms[room_name], name=asset_name, kind=kind)
        assets[asset_name] = asset
        db.session.add(asset)
        db.session.add(QrTag(code=new_code(), asset=asset))
        db.session.flush()
        for group in asset_groups:
            db.session.execute(
                asset_categories.insert().values(asset_id=asset.id, category_id=groups[group].id)
            )
    return site, rooms, assets


def _service_levels(site):
    """Working hours with the year's public holidays, and faster service for class A tenants
    and urgent work; the default escalation rules come with the schema."""
    db.session.add(SiteCalendar(site_id=site.id, hours="Mon-Fri 07:00-20:00; Sat 09:00-14:00"))
    for day, name in (
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 26), "Boxing Day"),
        (date(2027, 1, 1), "New Year's Day"),
    ):
        db.session.add(Holiday(site_id=site.id, day=day, name=name))
    db.session.add_all(
        [
            SlaPolicy(sla_class="A", response_minutes=15, resolution_minutes=4 * 60),
            SlaPolicy(priority="urgent", response_minutes=10, resolution_minutes=2 * 60),
        ]
    )


def _plans(users, items, rooms, assets):
    """Planned maintenance: the first due in an hour or so, the rest later (the demo's worker
    makes their requests when the time comes)."""
    today = now().astimezone(ZoneInfo(SITE_TIMEZONE))
    soon = (today + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    for title, item, room, asset, who, every, unit, starts_on, at, text in (
        (
            "Change the air filters",
            "Air conditioner fault",
            "403 Board room",
            "AC unit 403",
            "ivan",
            3,
            "month",
            soon.date(),
            soon.time(),
            "Both filters; write the date on the frame.",
        ),
        (
            "Weekly walk-round",
            "Socket or wiring check",
            "Lobby",
            None,
            None,
            1,
            "week",
            today.date() + timedelta(days=1),
            time(7, 30),
            "Lights, sockets, exit signs.",
        ),
        (
            "Deep clean of the gym",
            "Wet cleaning",
            "406 Gym",
            None,
            "olga",
            2,
            "week",
            today.date() + timedelta(days=3),
            time(6, 0),
            "",
        ),
    ):
        plans.save(
            None,
            title=title,
            description=text,
            category=items[item],
            location=rooms[room],
            asset=assets[asset] if asset else None,
            priority="normal",
            assignee=users[who] if who else None,
            every=every,
            unit=unit,
            starts_on=starts_on,
            at=at,
            actor=users["manager"],
            moment=now(),
        )


def _requests(users, items, rooms, assets):
    """A dozen requests in different states, made through the real services."""
    start = now()
    script = [
        # (hours ago, category, room, asset, text, contact, then)
        (
            50,
            "Leak",
            "Restroom 2",
            None,
            "Water under the sink, the floor is wet.",
            {"name": "Jonas", "phone": "+49 30 1234567"},
            ["take:maria", "start", "done:45"],
        ),
        (
            30,
            "Printer problem",
            "102 Open space",
            "Printer HP-102",
            "Paper jam, shows error E3.",
            {"name": "Petra"},
            ["take:tom", "start", "done:20", "confirm", "rate:5"],
        ),
        (
            26,
            "Bulb replacement",
            "Lift hall 3",
            None,
            "Two ceiling lights are out.",
            {},
            ["take:ivan", "start", "done:15", "confirm"],
        ),
        (
            20,
            "Too hot or too cold",
            "103 Meeting room Oak",
            "AC unit 103",
            "Room is at 28 °C, AC blows warm air.",
            {"email": "facility@nordlicht.example"},
            ["take:maria", "start", "hold:Waiting for a spare fan motor"],
        ),
        (
            8,
            "Trash removal",
            "101 Nordlicht GmbH",
            None,
            "Bins are full.",
            {},
            ["take:olga", "start"],
        ),
        (
            6,
            "Wi-Fi or network",
            "201 Brightway Ltd",
            None,
            "Wi-Fi drops every few minutes.",
            {"name": "Ali", "phone": "+49 151 2222333"},
            ["assign:lena"],
        ),
        (
            5,
            "Door or lock",
            "Reception",
            "Entrance door",
            "The entrance door does not close.",
            {},
            ["take:tom"],
        ),
        (
            3,
            "Appliance fault",
            "104 Kitchen",
            "Coffee machine 1",
            "Coffee machine leaks water.",
            {},
            ["assign:ivan", "cancel:Duplicate of the leak report"],
        ),
        (2, "Spill", "Lobby", None, "Someone spilled coffee near the lift.", {}, []),
        (
            1.5,
            "Access card",
            "Security desk",
            None,
            "New employee needs an access card.",
            {"name": "Grete"},
            [],
        ),
        (
            1,
            "Air conditioner fault",
            "403 Board room",
            "AC unit 403",
            "AC makes a loud rattle.",
            {},
            [],
        ),
        (0.5, "Blocked drain", "Restroom 4", None, "Sink drains very slowly.", {}, []),
    ]
    try:
        for hours, category, room, asset, text, contact, steps in script:
            moment = start - timedelta(hours=hours)
            set_clock(lambda m=moment: m)
            req = _create(users, items[category], rooms[room], assets.get(asset), text, contact)
            actor = None
            for number, step in enumerate(steps, 1):
                set_clock(lambda m=moment + timedelta(minutes=20 * number): m)
                verb, _, arg = step.partition(":")
                actor = _step(req, verb, arg, users, actor)
    finally:
        set_clock(None)


def _create(users, category, room, asset, text, contact):
    """Requests with a contact came from a QR code; the others were phoned in to the desk."""
    if contact:
        tag = db.session.scalar(
            select(QrTag).where(
                QrTag.asset_id == asset.id if asset else QrTag.location_id == room.id
            )
        )
        req, _ = services.submit_from_tag(
            tag,
            category=category,
            description=text,
            photos=[],
            contact=contact,
            submission_key=None,
        )
        return req
    req, _ = services.create_from_desk(
        users["dispatcher"],
        category=category,
        location=room,
        asset=asset,
        description=text,
        priority=category.default_priority,
        contact={},
        photos=[],
    )
    return req


def _step(req, verb, arg, users, actor):
    if verb == "take":
        lifecycle.take(req, users[arg])
        return users[arg]
    if verb == "assign":
        lifecycle.assign(req, users["dispatcher"], users[arg])
        return users[arg]
    if verb == "start":
        lifecycle.start(req, actor)
    elif verb == "done":
        discussion.comment(req, actor, "Fixed, please check.")
        photos = [_demo_photo()] if req.category.requires_photo else []
        lifecycle.complete(req, actor, int(arg), photos)
    elif verb == "hold":
        lifecycle.hold(req, actor, arg)
    elif verb == "cancel":
        lifecycle.cancel(req, users["dispatcher"], arg)
    elif verb == "confirm":
        lifecycle.confirm(req)
    elif verb == "rate":
        lifecycle.rate(req, int(arg), "Quick and friendly, thanks!")
    return actor


def _chats(users, teams, items, rooms):
    """The teams' chats, each offering its team's categories; a working day's talk in the
    Cleaning and Technicians chats and between the desk and Olga; and Sam's photo of a spill
    that Olga turned into a request, which Sam then took (its card in the chat shows it).
    Made through the real services, each message at its own moment."""
    start = now()

    def at(minutes_ago):
        set_clock(lambda m=start - timedelta(minutes=minutes_ago): m)

    def say(minutes_ago, thread, username, text, photos=()):
        at(minutes_ago)
        message, _ = chats.send(thread, users[username], text, photos=list(photos))
        return message

    try:
        at(3 * 24 * 60)  # the chats are older than today's talk
        for user in users.values():
            chats.ensure_team_chats(user)
        team_chats = {name: chats.team_chat(team) for name, team in teams.items()}
        for name, thread in team_chats.items():
            offered = [
                items[item].id
                for team, entries in CATEGORIES.values()
                if team == name
                for item, *_rest in entries
            ]
            from_chat.bind_categories(thread, offered)
        desk = chats.direct_chat(users["dispatcher"], users["olga"])

        # In the order it happened, so ids and times agree across chats too.
        cleaning, technicians = team_chats["Cleaning"], team_chats["Technicians"]
        say(300, technicians, "maria", "The fan motor for AC unit 103 is ordered, due Thursday.")
        say(290, technicians, "ivan", "Good. The tenant confirmed the lift hall 3 lights.")
        say(190, cleaning, "olga", "Hi all, I'm on floors 1 and 2 today, Sam has 3 and 4.")
        say(185, cleaning, "sam", "OK. Kitchen on 4 needs a proper mop after yesterday's party.")
        say(115, desk, "dispatcher", "Reception asked twice about the coffee spill in the lobby.")
        say(112, desk, "olga", "I'll do it right after the bins in 101, twenty minutes.")
        say(110, desk, "dispatcher", "Thanks!")
        say(55, technicians, "ivan", "Board room AC 403 is rattling, I'm on it.")
        photo = store_photo(_demo_photo("#8d6e63", "cafe.jpg"), users["sam"].id)
        db.session.flush()
        spill = say(28, cleaning, "sam", "Café: a tray went down by the window.", [photo])
        at(26)
        req, _ = from_chat.create_from_message(
            users["olga"],
            spill,
            category=items["Spill"],
            location=rooms["Café"],
            asset=None,
            description="Broken cups and coffee on the floor by the Café window.",
        )
        say(25, technicians, "ivan", "@maria Restroom 4 sink drains slowly, can you have a look?")
        at(24)
        lifecycle.take(req, users["sam"])
        say(23, cleaning, "sam", "Mine, on my way with the wet vac.")
        say(22, technicians, "maria", "Yes, I'll bring the drain snake.")
    finally:
        set_clock(None)


def _demo_photo(color: str = "#2e7d32", name: str = "done.jpg") -> Photo:
    """A stand-in photo (a plain square; green: work done), encoded like a real upload."""
    image = Image.new("RGB", (640, 480), color)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return read_photo(FileStorage(io.BytesIO(buffer.getvalue()), filename=name))


def tenant_urls(base_url: str, limit: int = 3) -> list[tuple[str, str]]:
    tags = db.session.scalars(
        select(QrTag).where(QrTag.revoked_at.is_(None)).order_by(QrTag.id)
    ).all()
    picks = [t for t in tags if t.location and "Kitchen" in t.location.name][:1]
    picks += [t for t in tags if t.asset and t.asset.kind in ("printer", "coffee machine")][:2]
    picks += [t for t in tags if t not in picks][: max(0, limit - len(picks))]
    names = {t.id: (t.asset.name if t.asset else t.location.full_name) for t in picks}
    return [(names[t.id], f"{base_url}/q/{t.code}") for t in picks]


def print_welcome(app):
    base = public_base_url()  # what the printed labels hold too
    print(
        f"\nWave demo is ready.\n  Staff app: {base}/login  (users: "
        + ", ".join(u[0] for u in USERS)
        + f"; password: {app.config['WAVE_DEMO_PASSWORD']})"
    )
    print("  Tenant forms (what the QR codes open):")
    for name, url in tenant_urls(base):
        print(f"    {name}: {url}")
    print(flush=True)
