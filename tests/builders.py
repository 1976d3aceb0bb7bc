"""Builders for a small building with named personas, shared by all tests.

World: site "Test Tower" (Europe/Berlin) → "Floor 1" → room "101 Office" (tag RM000001) with
asset "Printer P1" (tag PRNT0001); a revoked tag XD000001 on the room.
Categories: Cleaning → Trash removal, Wet cleaning (needs a completion photo);
IT → Printer problem. Cleaning is done by team Cleaning (olga, sam), IT by team IT (tom).
Desk people: dina (dispatcher), mark (manager), anna (admin). Password for all: "pw".
The room offers Cleaning only; the printer offers IT only.
"""

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import generate_password_hash

from wave.auth.models import Team, User
from wave.extensions import db
from wave.qr.models import Asset, Location, QrTag, Site
from wave.requests.models import Category, asset_categories, location_categories
from wave.timeutil import now


@dataclass
class World:
    site: Site
    floor: Location
    room: Location
    printer: Asset
    room_tag: QrTag
    printer_tag: QrTag
    revoked_tag: QrTag
    trash: Category
    wet: Category
    printer_problem: Category
    cleaning: Team
    it: Team
    olga: User
    sam: User
    tom: User
    dina: User
    mark: User
    anna: User


@functools.cache
def _hash(password: str) -> str:
    return generate_password_hash(password)


def make_user(username, name, role="staff", teams=(), password="pw") -> User:
    # Hashing is slow on purpose; tests hash each password once.
    user = User(username=username, display_name=name, role=role, password_hash=_hash(password))
    user.teams.extend(teams)
    db.session.add(user)
    return user


def build_world() -> World:
    cleaning, it = Team(name="Cleaning"), Team(name="IT")
    site = Site(name="Test Tower", address="1 Test St", timezone="Europe/Berlin")
    floor = Location(site=site, name="Floor 1", kind="floor")
    room = Location(site=site, parent=floor, name="101 Office", kind="room")
    printer = Asset(location=room, name="Printer P1", kind="printer")
    clean_group = Category(name="Cleaning", default_team=cleaning, position=0)
    it_group = Category(name="IT", default_team=it, position=1)
    trash = Category(
        name="Trash removal",
        parent=clean_group,
        default_team=cleaning,
        response_minutes=30,
        resolution_minutes=240,
    )
    wet = Category(
        name="Wet cleaning",
        parent=clean_group,
        default_team=cleaning,
        requires_photo=True,
        default_priority="high",
    )
    printer_problem = Category(name="Printer problem", parent=it_group, default_team=it)
    room_tag = QrTag(code="RM000001", location=room)
    printer_tag = QrTag(code="PRNT0001", asset=printer)
    revoked_tag = QrTag(code="XD000001", location=room, revoked_at=now())
    db.session.add_all(
        [
            cleaning,
            it,
            site,
            floor,
            room,
            printer,
            clean_group,
            it_group,
            trash,
            wet,
            printer_problem,
            room_tag,
            printer_tag,
            revoked_tag,
        ]
    )
    people = dict(
        olga=make_user("olga", "Olga Petrova", teams=[cleaning]),
        sam=make_user("sam", "Sam Okafor", teams=[cleaning]),
        tom=make_user("tom", "Tom Berg", teams=[it]),
        dina=make_user("dina", "Dina Desk", role="dispatcher"),
        mark=make_user("mark", "Mark Manager", role="manager"),
        anna=make_user("anna", "Anna Admin", role="admin"),
    )
    db.session.flush()
    db.session.execute(
        location_categories.insert().values(location_id=room.id, category_id=clean_group.id)
    )
    db.session.execute(
        asset_categories.insert().values(asset_id=printer.id, category_id=it_group.id)
    )
    db.session.commit()
    return World(
        site=site,
        floor=floor,
        room=room,
        printer=printer,
        room_tag=room_tag,
        printer_tag=printer_tag,
        revoked_tag=revoked_tag,
        trash=trash,
        wet=wet,
        printer_problem=printer_problem,
        cleaning=cleaning,
        it=it,
        **people,
    )


def report(world: World, category=None, description="Bin is full", contact=None):
    """A tenant's report through the room's QR code, as the service stores it."""
    from wave.requests import services

    req, _ = services.submit_from_tag(
        world.room_tag,
        category=category or world.trash,
        description=description,
        photos=[],
        contact=contact or {},
        submission_key=None,
    )
    return req


def migration(revision: str):
    """The migration module of `revision` (its file in migrations/versions/), loaded as is:
    to test one migration's own SQL."""
    (path,) = (Path(__file__).parents[1] / "migrations/versions").glob(f"{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
