"""Admin settings (workload thresholds: admins change, managers look) and the categories each
team chat offers (admins and managers choose)."""

import re

import pytest

from tests.conftest import token
from wave import settings
from wave.extensions import db
from wave.messenger import chats
from wave.requests import from_chat
from wave.timeutil import now


def save(client, **values):
    return client.post("/admin/settings", data={"csrf_token": token(client), **values})


def test_admin_changes_the_workload_thresholds(world, signed_in):
    anna = signed_in(world.anna)
    page = anna.get("/admin/settings").get_data(True)
    assert 'name="busy"' in page and 'value="3"' in page and 'value="6"' in page
    response = save(anna, busy="2", overloaded="5")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/settings"
    assert (settings.get("workload.busy"), settings.get("workload.overloaded")) == (2, 5)
    assert 'value="5"' in anna.get("/admin/settings").get_data(True)


@pytest.mark.parametrize(
    ("busy", "overloaded", "message"),
    [
        ("2.5", "6", "Not a valid integer value."),
        ("three", "6", "Not a valid integer value."),
        ("", "6", "Enter a whole number."),
        ("0", "6", "Use a whole number from 1 to 999."),
        ("-1", "6", "Use a whole number from 1 to 999."),
        ("3", "1000", "Use a whole number from 1 to 999."),
        ("4", "4", "Must be more than the busy number."),
        ("5", "4", "Must be more than the busy number."),
    ],
)
def test_invalid_thresholds_come_back_with_what_was_typed(
    world, signed_in, busy, overloaded, message
):
    anna = signed_in(world.anna)
    response = save(anna, busy=busy, overloaded=overloaded)
    html = response.get_data(True)
    assert response.status_code == 422 and message in html
    assert f'value="{busy}"' in html and f'value="{overloaded}"' in html
    assert (settings.get("workload.busy"), settings.get("workload.overloaded")) == (3, 6)


def test_one_apart_is_enough(world, signed_in):
    assert save(signed_in(world.anna), busy="1", overloaded="2").status_code == 303
    assert (settings.get("workload.busy"), settings.get("workload.overloaded")) == (1, 2)


def test_manager_reads_but_cannot_change(world, signed_in):
    mark = signed_in(world.mark)
    page = mark.get("/admin/settings").get_data(True)
    assert "You can look, not change" in page and '<fieldset class="stack" disabled>' in page
    assert save(mark, busy="1", overloaded="2").status_code == 403
    assert settings.get("workload.busy") == 3


@pytest.mark.parametrize("person", ["olga", "dina"])
def test_staff_and_desk_stay_out(world, signed_in, person):
    client = signed_in(getattr(world, person))
    assert client.get("/admin/settings").status_code == 403
    assert client.get("/admin/team-chats").status_code == 403
    assert client.get(f"/admin/team-chats/{world.cleaning.id}").status_code == 403


def test_settings_and_team_chats_are_registry_sections(world, signed_in):
    html = signed_in(world.anna).get("/admin/").get_data(True)
    assert 'href="/admin/settings"' in html and 'href="/admin/team-chats"' in html


@pytest.mark.parametrize("person", ["anna", "mark"])
def test_admins_and_managers_choose_what_a_team_chat_offers(world, signed_in, person):
    client = signed_in(getattr(world, person))
    page = client.get(f"/admin/team-chats/{world.cleaning.id}").get_data(True)
    assert "Cleaning → Wet cleaning" in page and "You can look, not change" not in page
    response = client.post(
        f"/admin/team-chats/{world.cleaning.id}",
        data={"csrf_token": token(client), "categories": [str(world.trash.id), str(world.wet.id)]},
    )
    assert response.status_code == 303
    thread = chats.team_chat(world.cleaning)
    assert from_chat.bound_category_ids(thread) == {world.trash.id, world.wet.id}
    listing = client.get("/admin/team-chats").get_data(True)
    assert "Trash removal, Wet cleaning" in listing
    page = client.get(f"/admin/team-chats/{world.cleaning.id}").get_data(True)
    for category in (world.trash, world.wet):
        assert re.search(rf'<input checked id="categories-\d+" [^>]*value="{category.id}">', page)
    client.post(
        f"/admin/team-chats/{world.cleaning.id}",
        data={"csrf_token": token(client), "categories": [str(world.wet.id)]},
    )
    assert from_chat.bound_category_ids(thread) == {world.wet.id}


def test_a_category_that_does_not_exist_is_refused(world, signed_in):
    anna = signed_in(world.anna)
    response = anna.post(
        f"/admin/team-chats/{world.it.id}",
        data={"csrf_token": token(anna), "categories": ["999999"]},
    )
    assert response.status_code == 422
    thread = chats.team_chat(world.it)
    assert from_chat.bound_category_ids(thread) == set()


def test_archived_teams_have_no_chat_page(world, signed_in):
    world.it.archived_at = now()
    db.session.commit()
    assert signed_in(world.anna).get(f"/admin/team-chats/{world.it.id}").status_code == 404
