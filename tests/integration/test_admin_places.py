"""The places registry: sites, the location tree, assets, offered categories, tags."""

import pytest
from sqlalchemy import func, select

from tests.builders import report
from tests.conftest import csrf_from
from wave.extensions import db
from wave.qr.models import Asset, Location, QrTag, Site
from wave.requests import services
from wave.requests.models import TenantOrg, location_categories
from wave.timeutil import now


def post(client, url, data, page=None):
    """POSTs a form with the CSRF token of `page` (default: the same URL)."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


@pytest.fixture
def admin(world, signed_in):
    return signed_in(world.anna)


def test_admin_creates_a_site_a_floor_a_room_and_an_asset_each_with_a_label(admin):
    response = post(
        admin, "/admin/places", {"name": "Harbour House", "address": "", "timezone": "Europe/Riga"}
    )
    assert response.status_code == 303
    site = db.session.scalar(select(Site).where(Site.name == "Harbour House"))
    assert site.timezone == "Europe/Riga"
    url = f"/admin/sites/{site.id}"
    post(
        admin,
        f"{url}/locations",
        {"name": "Floor 2", "kind": "floor", "parent": 0, "tag": "y"},
        url,
    )
    floor = db.session.scalar(select(Location).where(Location.name == "Floor 2"))
    post(
        admin,
        f"{url}/locations",
        {"name": "201", "kind": "room", "parent": floor.id, "tag": "y"},
        url,
    )
    room = db.session.scalar(select(Location).where(Location.name == "201"))
    assert room.parent_id == floor.id and room.site_id == site.id
    loc_url = f"/admin/locations/{room.id}"
    response = post(
        admin,
        f"{loc_url}/assets",
        {"name": "Coffee machine", "kind": "coffee", "location": room.id, "tag": "y"},
        loc_url,
    )
    asset = db.session.scalar(select(Asset).where(Asset.name == "Coffee machine"))
    assert asset.site_id == site.id and asset.location_id == room.id
    tags = db.session.scalars(select(QrTag).where(QrTag.revoked_at.is_(None))).all()
    assert {t.location_id for t in tags} >= {floor.id, room.id}
    assert asset.id in {t.asset_id for t in tags}

    page = admin.get(url).get_data(as_text=True)
    assert "Floor 2" in page and "201" in page and "Coffee machine" in page


def test_bad_site_input_is_explained_and_kept(admin):
    response = post(
        admin, "/admin/places", {"name": "", "address": "Dock 4", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give it a name." in page and "Unknown time zone" in page
    assert 'value="Dock 4"' in page and 'value="Mars/Olympus"' in page


def test_location_cannot_move_under_itself(admin, world):
    url = f"/admin/locations/{world.floor.id}"
    response = post(admin, url, {"name": "Floor 1", "kind": "floor", "parent": world.room.id})
    # the room is inside the floor: it is not even offered as a parent
    assert response.status_code == 422
    assert db.session.get(Location, world.floor.id).parent_id is None


def test_moving_a_room_to_another_floor(admin, world):
    floor2 = Location(site=world.site, name="Floor 2", kind="floor")
    db.session.add(floor2)
    db.session.commit()
    url = f"/admin/locations/{world.room.id}"
    response = post(admin, url, {"name": "101 Office", "kind": "room", "parent": floor2.id})
    assert response.status_code == 303
    assert db.session.get(Location, world.room.id).parent_id == floor2.id


def test_moving_an_asset_to_another_site_moves_its_site_too(admin, world):
    other = Site(name="Annex", timezone="UTC")
    hall = Location(site=other, name="Hall", kind="zone")
    db.session.add_all([other, hall])
    db.session.commit()
    url = f"/admin/assets/{world.printer.id}"
    # the asset page offers the asset's own site's locations only
    response = post(admin, url, {"name": "Printer P1", "kind": "printer", "location": hall.id})
    assert response.status_code == 422
    response = post(
        admin, url, {"name": "Printer P2", "kind": "printer", "location": world.floor.id}
    )
    assert response.status_code == 303
    printer = db.session.get(Asset, world.printer.id)
    assert (printer.name, printer.location_id, printer.site_id) == (
        "Printer P2",
        world.floor.id,
        world.site.id,
    )


def test_archiving_a_floor_archives_its_rooms_and_assets_and_the_tenant_is_told(
    admin, client, world
):
    url = f"/admin/locations/{world.floor.id}"
    assert post(admin, f"{url}/archive", {}, url).status_code == 303
    for thing in (world.floor, world.room, world.printer):
        db.session.refresh(thing)
        assert thing.archived_at is not None
    for code in ("RM000001", "PRNT0001"):
        response = client.get(f"/q/{code}")
        assert response.status_code == 404
        assert "no longer takes requests" in response.get_data(as_text=True)
    # restoring brings all of it back
    post(admin, f"{url}/archive", {"restore": "1"}, url)
    assert client.get("/q/RM000001").status_code == 200
    assert client.get("/q/PRNT0001").status_code == 200


def test_restoring_a_floor_keeps_what_was_archived_on_its_own(admin, world):
    asset_url = f"/admin/assets/{world.printer.id}"
    post(admin, f"{asset_url}/archive", {}, asset_url)
    url = f"/admin/locations/{world.floor.id}"
    post(admin, f"{url}/archive", {}, url)
    post(admin, f"{url}/archive", {"restore": "1"}, url)
    db.session.refresh(world.printer)
    db.session.refresh(world.room)
    assert world.room.archived_at is None and world.printer.archived_at is not None


def test_archived_site_turns_tenants_away_politely(admin, client, world):
    url = f"/admin/sites/{world.site.id}"
    post(admin, f"{url}/archive", {}, url)
    response = client.get("/q/RM000001")
    assert response.status_code == 404 and "no longer takes requests" in response.get_data(
        as_text=True
    )


def test_offers_set_on_a_floor_reach_its_rooms(admin, client, world):
    # the room has its own list (Cleaning); clear it, then the floor offers IT
    room_url = f"/admin/locations/{world.room.id}"
    post(admin, f"{room_url}/offers", {}, room_url)
    floor_url = f"/admin/locations/{world.floor.id}"
    it_group = world.printer_problem.parent_id
    assert (
        post(admin, f"{floor_url}/offers", {"categories": [it_group]}, floor_url).status_code == 303
    )
    page = client.get("/q/RM000001").get_data(as_text=True)
    assert "Printer problem" in page and "Trash removal" not in page
    rows = db.session.scalar(select(func.count()).select_from(location_categories))
    assert rows == 1


def test_reissued_label_replaces_the_old_code(admin, client, world):
    url = f"/admin/locations/{world.room.id}"
    assert post(admin, f"{url}/tag", {}, url).status_code == 303
    new = db.session.scalar(
        select(QrTag).where(QrTag.location_id == world.room.id, QrTag.revoked_at.is_(None))
    )
    assert new.code != "RM000001"
    old = client.get("/q/RM000001")
    assert old.status_code == 404
    text = old.get_data(as_text=True)
    assert "replaced" in text and new.code not in text  # tenants are not shown the new code
    assert client.get(f"/q/{new.code}").status_code == 200
    # staff following the old label are pointed to the place and its new label
    staff_page = admin.get("/q/RM000001").get_data(as_text=True)
    assert new.code in staff_page
    link = admin.get(f"/admin/tags/{new.code}")
    assert link.headers["Location"].endswith(f"/admin/locations/{world.room.id}#tag")


def test_scans_are_counted_per_tag_and_shown(admin, client, world):
    for _ in range(3):
        client.get("/q/RM000001")
    page = admin.get(f"/admin/locations/{world.room.id}").get_data(as_text=True)
    assert "3 scans" in page


@pytest.mark.parametrize(
    "url",
    [
        "/admin/places",
        "/admin/sites/1/locations",
        "/admin/locations/1",
        "/admin/locations/1/archive",
        "/admin/assets/1/archive",
        "/admin/locations/1/tag",
        "/admin/locations/1/offers",
    ],
)
def test_managers_read_but_cannot_change_places(world, signed_in, url):
    mark = signed_in(world.mark)
    page = mark.get(f"/admin/sites/{world.site.id}").get_data(as_text=True)
    assert "only admins edit" in page and "Add site" not in page
    response = mark.post(
        url,
        data={"csrf_token": csrf_from(mark.get("/settings").get_data(as_text=True)), "name": "X"},
    )
    assert response.status_code == 403


def test_staff_cannot_open_the_registry(world, signed_in):
    olga = signed_in(world.olga)
    for url in ("/admin/", "/admin/places", f"/admin/sites/{world.site.id}"):
        assert olga.get(url).status_code == 403


def test_requests_from_a_leased_floor_carry_the_tenant_and_its_sla_class(admin, world):
    acme = TenantOrg(name="Acme AG", sla_class="A")
    db.session.add(acme)
    db.session.commit()
    url = f"/admin/locations/{world.floor.id}"
    assert post(admin, f"{url}/tenant", {"tenant": acme.id}, url).status_code == 303
    room_page = admin.get(f"/admin/locations/{world.room.id}").get_data(as_text=True)
    assert "Inside a place rented by Acme AG." in room_page

    from_room = report(world)
    from_printer, _created = services.submit_from_tag(
        world.printer_tag,
        category=world.printer_problem,
        description="Paper jam",
        photos=[],
        contact={},
        submission_key=None,
    )
    assert from_room.asset_id is None and from_printer.asset_id == world.printer.id
    for req in (from_room, from_printer):
        assert (req.tenant_org_id, req.sla_class) == (acme.id, "A")

    # an archived organisation no longer passes its class on
    acme.archived_at = now()
    db.session.commit()
    later = report(world)
    assert (later.tenant_org_id, later.sla_class) == (None, "B")


def test_a_room_lease_wins_over_its_floor(admin, world):
    floor_org, room_org = (
        TenantOrg(name="Floor Co", sla_class="C"),
        TenantOrg(name="Room Co", sla_class="A"),
    )
    db.session.add_all([floor_org, room_org])
    db.session.commit()
    for place, org in ((world.floor, floor_org), (world.room, room_org)):
        url = f"/admin/locations/{place.id}"
        post(admin, f"{url}/tenant", {"tenant": org.id}, url)
    assert report(world).tenant_org_id == room_org.id
    url = f"/admin/locations/{world.room.id}"
    post(admin, f"{url}/tenant", {"tenant": 0}, url)
    assert report(world).tenant_org_id == floor_org.id
