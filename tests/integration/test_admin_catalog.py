"""Registry of the catalogue: category groups and items (team, priority, photo, SLA minutes),
moved and archived, never deleted; tenant organisations with their SLA class."""

import re

import pytest
from sqlalchemy import select

from tests.builders import report
from tests.conftest import csrf_from, token
from wave.auth.services import RegistryError
from wave.extensions import db
from wave.requests import catalog_admin
from wave.requests.catalog import active_items
from wave.requests.models import Category, TenantOrg

ITEM = {
    "name": "Window cleaning",
    "default_team": "",
    "default_priority": "low",
    "requires_photo": "y",
    "response_minutes": "60",
    "resolution_minutes": "2880",
}


@pytest.fixture
def anna(world, signed_in):
    return signed_in(world.anna)


def options(html: str, select_id: str = "category") -> str:
    return re.search(rf'<select id="{select_id}".*?</select>', html, re.S).group(0)


def named(name) -> Category:
    return db.session.scalar(select(Category).where(Category.name == name))


# ------------------------------------------------------------------------ categories
def test_the_page_shows_groups_with_items_and_their_settings(world, anna):
    html = anna.get("/admin/categories").get_data(True)
    cleaning = html.index('id="cat-' + str(world.trash.parent_id) + '"')
    assert cleaning < html.index("Trash removal") < html.index("Wet cleaning")
    row = re.search(rf'<li id="cat-{world.wet.id}".*?</li>', html, re.S).group(0)
    assert "Cleaning" in row and "High" in row and "photo on completion" in row
    trash = re.search(rf'<li id="cat-{world.trash.id}".*?</li>', html, re.S).group(0)
    assert "response 30 min" in trash and "resolved 4 h" in trash


def test_new_item_lands_in_its_group_and_on_the_tenant_form(client, world, anna):
    group = world.trash.parent
    url = f"/admin/categories/new?group={group.id}"
    page = anna.get(url).get_data(True)
    assert f'<option selected value="{world.cleaning.id}">' in page  # the group's team
    data = {
        **ITEM,
        "group": str(group.id),
        "default_team": str(world.cleaning.id),
        "csrf_token": csrf_from(page),
    }
    response = anna.post(url, data=data)
    assert response.status_code == 303
    item = named("Window cleaning")
    assert (item.parent_id, item.default_team_id, item.default_priority) == (
        group.id,
        world.cleaning.id,
        "low",
    )
    assert item.requires_photo and (item.response_minutes, item.resolution_minutes) == (60, 2880)
    assert [c.name for c in active_items() if c.parent_id == group.id][-1] == "Window cleaning"
    assert "Window cleaning" in options(client.get("/q/RM000001").get_data(True))


def test_new_group(world, anna):
    page = anna.get("/admin/categories/new-group").get_data(True)
    data = {"name": "Plumbing", "default_team": "0", "csrf_token": csrf_from(page)}
    assert anna.post("/admin/categories/new-group", data=data).status_code == 303
    group = named("Plumbing")
    assert group.parent_id is None and group.position == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter a name."),
        ({"name": "trash REMOVAL"}, "This group has an item with this name already."),
        ({"response_minutes": "0"}, "Use whole minutes, more than 0."),
        ({"response_minutes": "abc"}, "Not a valid integer value."),
        (
            {"response_minutes": "120", "resolution_minutes": "60"},
            "Resolution cannot be due before the first response.",
        ),
    ],
)
def test_invalid_item_comes_back_with_the_input(world, anna, fields, message):
    url = f"/admin/categories/new?group={world.trash.parent_id}"
    data = {**ITEM, "group": str(world.trash.parent_id), "default_team": "0", **fields}
    response = anna.post(url, data={**data, "csrf_token": token(anna, url)})
    html = response.get_data(True)
    assert response.status_code == 422
    assert message in html
    assert f'value="{data["name"]}"' in html or not data["name"]
    assert f'value="{data["response_minutes"]}"' in html


def test_edit_moves_an_item_to_another_group_and_changes_its_settings(world, anna):
    url = f"/admin/categories/{world.trash.id}"
    it_group = world.printer_problem.parent_id
    data = {
        **ITEM,
        "name": "Trash removal",
        "group": str(it_group),
        "default_team": str(world.it.id),
        "default_priority": "urgent",
        "requires_photo": "",
        "response_minutes": "",
        "csrf_token": token(anna, url),
    }
    del data["requires_photo"]  # an unticked box is not sent
    response = anna.post(url, data=data)
    assert response.status_code == 303
    db.session.refresh(world.trash)
    assert world.trash.parent_id == it_group and world.trash.default_team_id == world.it.id
    assert world.trash.default_priority == "urgent" and not world.trash.requires_photo
    assert world.trash.response_minutes is None and world.trash.resolution_minutes == 2880
    assert [c.name for c in active_items()] == [
        "Wet cleaning",
        "Printer problem",
        "Trash removal",
    ]


def test_edit_refuses_a_twin_name(world, anna):
    url = f"/admin/categories/{world.trash.id}"
    data = {
        **ITEM,
        "name": "Wet Cleaning",
        "group": str(world.trash.parent_id),
        "default_team": "0",
    }
    response = anna.post(url, data={**data, "csrf_token": token(anna, url)})
    assert response.status_code == 422
    assert "This group has an item with this name already." in response.get_data(True)
    db.session.refresh(world.trash)
    assert world.trash.name == "Trash removal"


def test_new_requests_follow_the_edited_item(world, anna):
    old = report(world)
    url = f"/admin/categories/{world.trash.id}"
    data = {
        **ITEM,
        "name": "Trash removal",
        "group": str(world.trash.parent_id),
        "default_team": str(world.it.id),
        "default_priority": "urgent",
    }
    assert anna.post(url, data={**data, "csrf_token": token(anna, url)}).status_code == 303
    new = report(world)
    assert (new.team_id, new.priority) == (world.it.id, "urgent")
    db.session.refresh(old)
    assert (old.team_id, old.priority) == (world.cleaning.id, "normal")


def test_items_and_groups_move_up_and_down(world, anna):
    csrf = token(anna, "/admin/categories")
    move = f"/admin/categories/{world.wet.id}/move"
    assert anna.post(move, data={"direction": "up", "csrf_token": csrf}).status_code == 303
    assert [c.name for c in active_items()][:2] == ["Wet cleaning", "Trash removal"]
    anna.post(move, data={"direction": "up", "csrf_token": csrf})  # already first: stays
    assert [c.name for c in active_items()][:2] == ["Wet cleaning", "Trash removal"]
    group = f"/admin/categories/{world.printer_problem.parent_id}/move"
    assert anna.post(group, data={"direction": "up", "csrf_token": csrf}).status_code == 303
    assert [c.name for c in active_items()] == ["Printer problem", "Wet cleaning", "Trash removal"]
    assert anna.post(group, data={"direction": "sideways", "csrf_token": csrf}).status_code == 400


def test_archived_item_leaves_the_tenant_and_desk_forms_at_once(client, world, anna, signed_in):
    assert "Trash removal" in options(client.get("/q/RM000001").get_data(True))
    url = f"/admin/categories/{world.trash.id}/archive"
    old = report(world)
    archived = anna.post(url, data={"csrf_token": token(anna)})
    assert archived.status_code == 303
    assert "no longer see it" in anna.get(archived.headers["Location"]).get_data(True)

    tenant_page = client.get("/q/RM000001").get_data(True)
    assert "Trash removal" not in options(tenant_page)
    assert "Wet cleaning" in options(tenant_page)
    refused = client.post(
        "/q/RM000001",
        data={
            "category": str(world.trash.id),
            "description": "Bin",
            "csrf_token": csrf_from(tenant_page),
        },
    )
    assert refused.status_code == 422
    desk = signed_in(world.dina).get("/requests/new").get_data(True)
    assert "Trash removal" not in options(desk) and "Wet cleaning" in options(desk)

    assert db.session.get(Category, world.trash.id) is not None  # never deleted
    assert f"#{old.id} · Trash removal" in signed_in(world.dina).get(
        f"/requests/{old.id}"
    ).get_data(True)
    assert "Trash removal" not in anna.get("/admin/categories").get_data(True)
    assert "Trash removal" in anna.get("/admin/categories?show=archived").get_data(True)

    back = f"/admin/categories/{world.trash.id}/unarchive"
    assert anna.post(back, data={"csrf_token": token(anna)}).status_code == 303
    assert "Trash removal" in options(client.get("/q/RM000001").get_data(True))


def test_archived_group_takes_its_items_off_the_forms(world, anna):
    url = f"/admin/categories/{world.printer_problem.parent_id}/archive"
    assert anna.post(url, data={"csrf_token": token(anna)}).status_code == 303
    assert "Printer problem" not in [c.name for c in active_items()]
    page = anna.get(f"/admin/categories/{world.printer_problem.id}").get_data(True)
    assert "Its group is archived" in page


def test_there_is_no_delete(app, world):
    categories = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("catalog.")]
    assert categories and all("DELETE" not in r.methods for r in categories)
    assert not any("delete" in r.rule for r in categories)
    assert not [name for name in dir(catalog_admin) if "delete" in name]


def test_service_refuses_items_outside_a_group(world):
    with pytest.raises(RegistryError):
        catalog_admin.create_item(world.trash, **{**ITEM, "default_team": None})


# ------------------------------------------------------------------------------ tenants
def test_tenant_organisations_with_their_sla_class(world, anna):
    data = {"name": "Nordlicht GmbH", "sla_class": "A", "csrf_token": token(anna, "/admin/tenants")}
    assert anna.post("/admin/tenants", data=data).status_code == 303
    org = db.session.scalar(select(TenantOrg))
    assert (org.name, org.sla_class) == ("Nordlicht GmbH", "A")
    row = re.search(
        rf'<li id="tenant-{org.id}".*?</li>', anna.get("/admin/tenants").get_data(True), re.S
    ).group(0)
    assert "Nordlicht GmbH" in row and ">A<" in row

    twin = anna.post("/admin/tenants", data={**data, "name": "nordlicht gmbh"})
    assert twin.status_code == 422
    assert "There is an organisation with this name already." in twin.get_data(True)
    wrong = anna.post("/admin/tenants", data={**data, "name": "Helix", "sla_class": "D"})
    assert wrong.status_code == 422 and 'value="Helix"' in wrong.get_data(True)

    url = f"/admin/tenants/{org.id}"
    edit = {"name": "Nordlicht AG", "sla_class": "C", "csrf_token": token(anna, url)}
    assert anna.post(url, data=edit).status_code == 303
    db.session.refresh(org)
    assert (org.name, org.sla_class) == ("Nordlicht AG", "C")

    archived = anna.post(f"{url}/archive", data={"csrf_token": token(anna)})
    assert "Nordlicht AG is archived." in anna.get(archived.headers["Location"]).get_data(True)
    assert "Nordlicht AG" not in anna.get("/admin/tenants").get_data(True)
    assert "Nordlicht AG" in anna.get("/admin/tenants?show=archived").get_data(True)
    assert db.session.get(TenantOrg, org.id).archived_at is not None


# --------------------------------------------------------------------------- access
def admin_posts(world):
    c, g = world.trash.id, world.trash.parent_id
    org = TenantOrg(name="Helix Labs", sla_class="C")
    db.session.add(org)
    db.session.commit()
    return [
        ("/admin/categories/new-group", {"name": "X", "default_team": "0"}),
        (f"/admin/categories/new?group={g}", {**ITEM, "group": str(g), "default_team": "0"}),
        (f"/admin/categories/{c}", {**ITEM, "group": str(g), "default_team": "0"}),
        (f"/admin/categories/{g}", {"name": "X", "default_team": "0"}),
        (f"/admin/categories/{c}/move", {"direction": "up"}),
        (f"/admin/categories/{c}/archive", {}),
        (f"/admin/categories/{c}/unarchive", {}),
        ("/admin/tenants", {"name": "X", "sla_class": "A"}),
        (f"/admin/tenants/{org.id}", {"name": "X", "sla_class": "A"}),
        (f"/admin/tenants/{org.id}/archive", {}),
        (f"/admin/tenants/{org.id}/unarchive", {}),
    ]


def test_managers_read_but_every_change_is_refused(world, signed_in):
    posts = admin_posts(world)
    mark = signed_in(world.mark)
    org = db.session.scalar(select(TenantOrg))
    for url in (
        "/admin/categories",
        f"/admin/categories/{world.trash.id}",
        f"/admin/categories/{world.trash.parent_id}",
        "/admin/tenants",
        f"/admin/tenants/{org.id}",
    ):
        response = mark.get(url)
        assert response.status_code == 200, url
        assert 'method="post"' not in response.get_data(True), url
    assert "Trash removal" in mark.get("/admin/categories").get_data(True)
    assert "Helix Labs" in mark.get("/admin/tenants").get_data(True)
    for url in ("/admin/categories/new-group", "/admin/categories/new"):
        assert mark.get(url).status_code == 403
    csrf = token(mark)
    for url, data in posts:
        assert mark.post(url, data={**data, "csrf_token": csrf}).status_code == 403, url
    db.session.refresh(world.trash)
    assert world.trash.archived_at is None and world.trash.name == "Trash removal"
    assert named("X") is None


@pytest.mark.parametrize("who", ["olga", "dina"])
def test_staff_and_desk_cannot_open_the_catalogue(world, signed_in, who):
    client = signed_in(getattr(world, who))
    for url in ("/admin/categories", f"/admin/categories/{world.trash.id}", "/admin/tenants"):
        assert client.get(url).status_code == 403, url


def test_changes_need_the_csrf_token(world, anna):
    for url, data in admin_posts(world):
        assert anna.post(url, data=data).status_code == 400, url
    db.session.refresh(world.trash)
    assert world.trash.archived_at is None
