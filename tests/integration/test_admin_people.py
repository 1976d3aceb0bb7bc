"""Registry of people and teams: accounts with one-time set-password links, archiving instead of
deleting, the last admin kept, team membership; admins change, managers look, staff stay out."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.builders import report
from tests.conftest import csrf_from, login, token
from wave.auth import services
from wave.auth.models import Team, User
from wave.extensions import db
from wave.requests import lifecycle
from wave.requests.models import ServiceRequest
from wave.requests.services import ActionError
from wave.timeutil import now, set_clock

NEW_USER = {
    "display_name": "Nina New",
    "username": "nina",
    "role": "staff",
    "phone": "+49 30 1234",
}


@pytest.fixture
def anna(world, signed_in):
    return signed_in(world.anna)


@pytest.fixture
def clock():
    """Move time: clock(timedelta) sets now() that far ahead; restored afterwards."""
    start = now()

    def move(delta: timedelta):
        set_clock(lambda: start + delta)

    yield move
    set_clock(None)


def create(client, **fields):
    data = {**NEW_USER, **fields, "csrf_token": token(client, "/admin/users/new")}
    return client.post("/admin/users/new", data=data)


def link_in(response) -> str:
    match = re.search(r'value="(http[^"]+/set-password/[^"]+)"', response.get_data(True))
    assert match, "no set-password link on the page"
    return urlsplit(match.group(1)).path


def set_password(client, path, password="long enough pw", confirm=None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(True)[:500]
    data = {
        "password": password,
        "confirm": password if confirm is None else confirm,
        "csrf_token": csrf_from(page.get_data(True)),
    }
    return client.post(path, data=data)


def user_named(username) -> User:
    return db.session.scalar(select(User).where(User.username == username))


# ------------------------------------------------------------------ accounts and links
def test_new_person_sets_a_password_once_and_is_signed_in(app, world, anna):
    response = create(anna, teams=[str(world.cleaning.id)])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    nina = user_named("nina")
    assert (nina.display_name, nina.role, nina.phone) == ("Nina New", "staff", "+49 30 1234")
    assert [t.name for t in nina.teams] == ["Cleaning"]
    path = link_in(response)

    with pytest.raises(AssertionError):  # nobody knows the password the account starts with
        login(app.test_client(), "nina", "")

    browser = app.test_client()
    done = set_password(browser, path)
    assert done.status_code == 303 and done.headers["Location"] == "/inbox"
    assert browser.get("/inbox").status_code == 200  # signed in as nina
    login(app.test_client(), "nina", "long enough pw")

    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "This link has been used" in again.get_data(True)


def test_a_used_link_cannot_set_a_password_again(app, world, anna):
    path = link_in(create(anna))
    first, second = app.test_client(), app.test_client()
    page = second.get(path)  # opened before the first one was used
    assert set_password(first, path).status_code == 303
    data = {
        "password": "another password",
        "confirm": "another password",
        "csrf_token": csrf_from(page.get_data(True)),
    }
    assert second.post(path, data=data).status_code == 410
    assert user_named("nina").check_password("long enough pw")


def test_link_expires_after_a_week(app, world, anna, clock):
    path = link_in(create(anna))
    clock(timedelta(days=7, minutes=1))
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(True)


def test_a_broken_link_gets_a_page_not_an_error(client, world):
    response = client.get("/set-password/not-a-real-token")
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(True)
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use 8 to 200 characters."),
        ("long enough pw", "long enough px", "The two passwords differ."),
        ("", "", "Choose a password."),
    ],
)
def test_password_rules(app, world, anna, password, confirm, message):
    path = link_in(create(anna))
    response = set_password(app.test_client(), path, password, confirm)
    assert response.status_code == 422
    assert message in response.get_data(True)
    assert set_password(app.test_client(), path).status_code == 303  # the link still works


def test_a_new_link_for_someone_who_forgot(app, world, anna):
    url = f"/admin/users/{world.olga.id}/password-link"
    response = anna.post(url, data={"csrf_token": token(anna)})
    path = link_in(response)
    assert set_password(app.test_client(), path, "olga's new password").status_code == 303
    login(app.test_client(), "olga", "olga's new password")
    with pytest.raises(AssertionError):
        login(app.test_client(), "olga", "pw")


def test_link_uses_the_public_url_when_configured(app, world):
    app.config["WAVE_PUBLIC_URL"] = "https://wave.example.com/"
    with app.test_request_context():
        link = services.password_link(world.olga)
    assert link.startswith("https://wave.example.com/set-password/")


def test_duplicate_username_keeps_the_input_and_says_why(world, anna):
    response = create(anna, username="Olga", display_name="Olga Second")
    html = response.get_data(True)
    assert response.status_code == 422
    assert "This username is taken" in html
    assert 'value="Olga Second"' in html and 'value="+49 30 1234"' in html
    assert db.session.scalar(select(User).where(User.display_name == "Olga Second")) is None


def test_invalid_new_person_keeps_the_input(world, anna):
    response = create(anna, username="no spaces please", display_name="")
    html = response.get_data(True)
    assert response.status_code == 422
    assert "Enter the person&#39;s name." in html or "Enter the person's name." in html
    assert 'value="no spaces please"' in html


def test_edit_changes_role_phone_and_teams(world, anna):
    url = f"/admin/users/{world.olga.id}"
    data = {
        "display_name": "Olga P.",
        "role": "dispatcher",
        "phone": "",
        "teams": [str(world.it.id)],
        "csrf_token": token(anna, url),
    }
    response = anna.post(url, data=data)
    assert response.status_code == 303
    db.session.refresh(world.olga)
    assert (world.olga.display_name, world.olga.role, world.olga.phone) == (
        "Olga P.",
        "dispatcher",
        None,
    )
    assert world.olga.team_ids == [world.it.id]


# ------------------------------------------------------------------------ archiving
def test_archived_person_cannot_sign_in_and_history_stays(app, world, anna, signed_in):
    req = report(world)
    lifecycle.take(req, world.olga)
    olga = signed_in(world.olga)
    url = f"/admin/users/{world.olga.id}/archive"
    response = anna.post(url, data={"csrf_token": token(anna)}, follow_redirects=True)
    html = response.get_data(True)
    assert "Olga Petrova is archived" in html
    assert "1 open request is still assigned to them: reassign it." in html

    assert olga.get("/inbox").status_code == 302  # the open session ends
    with pytest.raises(AssertionError):
        login(app.test_client(), "olga")
    db.session.refresh(req)
    assert req.assignee_id == world.olga.id  # history intact
    assert db.session.get(User, world.olga.id) is not None

    dina_view = signed_in(world.dina).get(f"/requests/{req.id}").get_data(True)
    assert "Olga Petrova" in dina_view  # still named on the request
    assign_options = re.search(r'<select id="assignee".*?</select>', dina_view, re.S).group(0)
    assert "Olga Petrova" not in assign_options
    with pytest.raises(ActionError):
        lifecycle.assign(req, world.dina, world.olga)


def test_archived_people_are_listed_apart_and_can_be_restored(app, world, anna):
    services.archive_user(world.sam, world.anna)
    active = anna.get("/admin/users").get_data(True)
    archived = anna.get("/admin/users?show=archived").get_data(True)
    assert "Sam Okafor" not in active and "Olga Petrova" in active
    assert "Sam Okafor" in archived and "Olga Petrova" not in archived
    url = f"/admin/users/{world.sam.id}/unarchive"
    assert anna.post(url, data={"csrf_token": token(anna)}).status_code == 303
    login(app.test_client(), "sam")


def test_nobody_archives_themselves(world, anna):
    url = f"/admin/users/{world.anna.id}/archive"
    response = anna.post(url, data={"csrf_token": token(anna)})
    assert response.status_code == 409
    assert "You cannot archive your own account." in response.get_data(True)
    db.session.refresh(world.anna)
    assert world.anna.is_active


def test_the_last_admin_cannot_be_demoted_or_archived(world, anna):
    with pytest.raises(services.RegistryError, match="at least one admin"):
        services.update_user(
            world.anna, world.mark, display_name="Anna", role="staff", phone=None, teams=[]
        )
    with pytest.raises(services.RegistryError, match="at least one admin"):
        services.archive_user(world.anna, world.mark)
    url = f"/admin/users/{world.anna.id}"
    data = {"display_name": "Anna Admin", "role": "manager", "csrf_token": token(anna, url)}
    response = anna.post(url, data=data)
    assert response.status_code == 422
    assert "Another admin has to change your role." in response.get_data(True)
    db.session.refresh(world.anna)
    assert world.anna.role == "admin"


def test_a_second_admin_may_demote_the_first(world, signed_in):
    from tests.builders import make_user

    bea = make_user("bea", "Bea Boss", role="admin")
    db.session.commit()
    bea_client = signed_in(bea)
    url = f"/admin/users/{world.anna.id}"
    data = {"display_name": "Anna Admin", "role": "manager", "csrf_token": token(bea_client, url)}
    assert bea_client.post(url, data=data).status_code == 303
    db.session.refresh(world.anna)
    assert world.anna.role == "manager"


# ---------------------------------------------------------------------------- teams
def test_team_members_are_added_and_removed(world, anna):
    url = f"/admin/teams/{world.cleaning.id}"
    page = anna.get(url).get_data(True)
    assert "Olga Petrova" in page and "Sam Okafor" in page
    add = anna.post(
        f"{url}/members", data={"user": str(world.tom.id), "csrf_token": csrf_from(page)}
    )
    assert add.status_code == 303
    remove = anna.post(f"{url}/members/{world.sam.id}/remove", data={"csrf_token": token(anna)})
    assert remove.status_code == 303
    db.session.refresh(world.cleaning)
    assert sorted(u.username for u in world.cleaning.members) == ["olga", "tom"]
    assert world.cleaning.id in db.session.get(User, world.tom.id).team_ids


def test_archived_people_cannot_join_a_team(world, anna):
    services.archive_user(world.sam, world.anna)
    url = f"/admin/teams/{world.it.id}"
    page = anna.get(url).get_data(True)
    assert "Sam Okafor" not in re.search(r'<select id="user".*?</select>', page, re.S).group(0)
    response = anna.post(
        f"{url}/members", data={"user": str(world.sam.id), "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 422
    with pytest.raises(services.RegistryError):
        services.add_member(world.it, world.sam)


def test_set_members_keeps_archived_members(world):
    services.archive_user(world.sam, world.anna)
    services.set_members(world.cleaning, [world.tom])
    assert sorted(u.username for u in world.cleaning.members) == ["sam", "tom"]


def test_new_team_and_duplicate_name(world, anna):
    data = {"name": "Plumbers", "csrf_token": token(anna, "/admin/teams")}
    response = anna.post("/admin/teams", data=data)
    assert response.status_code == 303
    team = db.session.scalar(select(Team).where(Team.name == "Plumbers"))
    assert response.headers["Location"] == f"/admin/teams/{team.id}"
    again = anna.post("/admin/teams", data={**data, "name": "plumbers"})
    assert again.status_code == 422
    assert "A team with this name exists already." in again.get_data(True)
    assert 'value="plumbers"' in again.get_data(True)


def test_rename_to_a_taken_name_is_refused(world, anna):
    url = f"/admin/teams/{world.it.id}"
    response = anna.post(url, data={"name": "Cleaning", "csrf_token": token(anna, url)})
    assert response.status_code == 422
    assert "A team with this name exists already." in response.get_data(True)
    renamed = anna.post(url, data={"name": "IT & AV", "csrf_token": token(anna, url)})
    assert renamed.status_code == 303
    db.session.refresh(world.it)
    assert world.it.name == "IT & AV"


def test_a_team_that_still_gets_work_is_not_archived(world, anna):
    url = f"/admin/teams/{world.it.id}/archive"
    response = anna.post(url, data={"csrf_token": token(anna)})
    assert response.status_code == 409
    assert "IT → Printer problem" in response.get_data(True)
    db.session.refresh(world.it)
    assert world.it.archived_at is None

    idle = Team(name="Night shift")
    db.session.add(idle)
    db.session.commit()
    response = anna.post(f"/admin/teams/{idle.id}/archive", data={"csrf_token": token(anna)})
    assert response.status_code == 303
    assert "Night shift is archived." in anna.get(response.headers["Location"]).get_data(True)
    assert "Night shift" not in anna.get("/admin/teams").get_data(True)
    assert "Night shift" in anna.get("/admin/teams?show=archived").get_data(True)
    new_person = anna.get("/admin/users/new").get_data(True)
    assert "Night shift" not in new_person


# --------------------------------------------------------------------------- access
def admin_posts(world):
    u, t = world.olga.id, world.cleaning.id
    return [
        ("/admin/users/new", {**NEW_USER}),
        (f"/admin/users/{u}", {"display_name": "X", "role": "admin"}),
        (f"/admin/users/{u}/archive", {}),
        (f"/admin/users/{u}/unarchive", {}),
        (f"/admin/users/{u}/password-link", {}),
        ("/admin/teams", {"name": "Sneaky"}),
        (f"/admin/teams/{t}", {"name": "Sneaky"}),
        (f"/admin/teams/{t}/members", {"user": str(world.tom.id)}),
        (f"/admin/teams/{t}/members/{u}/remove", {}),
        (f"/admin/teams/{t}/archive", {}),
        (f"/admin/teams/{t}/unarchive", {}),
    ]


def test_managers_read_but_every_change_is_refused(world, signed_in):
    mark = signed_in(world.mark)
    for url in ("/admin/users", f"/admin/users/{world.olga.id}", "/admin/teams"):
        html = mark.get(url).get_data(True)
        assert "Olga Petrova" in html or "Cleaning" in html
        assert 'method="post"' not in html, url
    assert "Sam Okafor" in mark.get(f"/admin/teams/{world.cleaning.id}").get_data(True)
    assert mark.get("/admin/users/new").status_code == 403
    csrf = token(mark)
    for url, data in admin_posts(world):
        assert mark.post(url, data={**data, "csrf_token": csrf}).status_code == 403, url
    db.session.refresh(world.olga)
    assert world.olga.is_active and world.olga.role == "staff"
    assert user_named("nina") is None


@pytest.mark.parametrize("who", ["olga", "dina"])
def test_staff_and_desk_cannot_open_the_registry(world, signed_in, who):
    client = signed_in(getattr(world, who))
    for url in ("/admin/users", f"/admin/users/{world.olga.id}", "/admin/teams"):
        assert client.get(url).status_code == 403, url


def test_changes_need_the_csrf_token(world, anna):
    for url, data in admin_posts(world):
        assert anna.post(url, data=data).status_code == 400, url
    assert user_named("nina") is None
    assert world.olga.is_active


def test_every_open_request_count_is_shown(world, anna):
    req = report(world)
    lifecycle.take(req, world.olga)
    html = anna.get(f"/admin/users/{world.olga.id}").get_data(True)
    assert re.search(r'id="open-work">1<', html)
    assert db.session.scalar(select(ServiceRequest.assignee_id)) == world.olga.id
