"""The colleagues directory: staff only, searchable, a workload light from open assigned work."""

import re

import pytest
from sqlalchemy import event

from tests.builders import make_user, report
from wave import settings
from wave.extensions import db
from wave.requests import lifecycle
from wave.timeutil import now

HX = {"HX-Request": "true"}


def light_of(html: str, user) -> str:
    """The light shown on a person's row."""
    row = re.search(rf'<li id="person-{user.id}".*?</li>', html, re.S)
    assert row, f"{user.username} is not listed"
    return re.search(r'class="light light-(\w+)"', row.group(0)).group(1)


def listed(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<li id="person-(\d+)"', html)}


def give(world, user, n, category=None):
    """n open requests assigned to `user` by the desk."""
    for _ in range(n):
        lifecycle.assign(report(world, category), world.dina, user)


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/people")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_active_colleagues_are_listed(world, signed_in):
    gone = make_user("gone", "Gone Person", teams=[world.cleaning])
    gone.archived_at = now()
    db.session.commit()
    html = signed_in(world.olga).get("/people").get_data(True)
    people = (world.olga, world.sam, world.tom, world.dina, world.mark, world.anna)
    assert listed(html) == {u.id for u in people}
    assert "Gone Person" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("olga", {"olga"}),  # username
        ("petrova", {"olga"}),  # name, any case
        ("clean", {"olga", "sam"}),  # team
        ("IT", {"tom"}),
        ("%", set()),  # a wildcard is just a character
        ("nobody", set()),
    ],
)
def test_search_by_name_username_or_team(world, signed_in, query, expected):
    html = signed_in(world.tom).get("/people", query_string={"q": query}).get_data(True)
    assert listed(html) == {getattr(world, name).id for name in expected}
    assert f'value="{query}"' in html  # the box keeps the search


def test_live_search_answers_with_the_list_alone(world, signed_in):
    response = signed_in(world.olga).get("/people/list?q=sam", headers=HX)
    html = response.get_data(True)
    assert html.lstrip().startswith('<div id="people-list"') and "<html" not in html
    assert listed(html) == {world.sam.id}
    assert response.headers["HX-Replace-Url"] == "/people?q=sam"


def test_the_page_has_a_plain_search_form_for_no_javascript(world, signed_in):
    html = signed_in(world.olga).get("/people").get_data(True)
    assert '<form method="get" action="/people"' in html and 'name="q"' in html
    assert 'hx-get="/people/list"' in html


@pytest.mark.parametrize(
    ("open_work", "light"),
    [(0, "free"), (1, "free"), (2, "busy"), (3, "busy"), (4, "overloaded"), (5, "overloaded")],
)
def test_light_follows_the_admin_thresholds(world, signed_in, open_work, light):
    settings.put({"workload.busy": 2, "workload.overloaded": 4})
    give(world, world.sam, open_work)
    html = signed_in(world.olga).get("/people").get_data(True)
    assert light_of(html, world.sam) == light
    assert light_of(html, world.olga) == "free"


def test_default_thresholds_are_three_and_six(world, signed_in):
    give(world, world.sam, 3)
    give(world, world.olga, 2)
    html = signed_in(world.tom).get("/people").get_data(True)
    assert (light_of(html, world.olga), light_of(html, world.sam)) == ("free", "busy")


def test_only_open_assigned_work_counts(world, signed_in):
    settings.put({"workload.busy": 1, "workload.overloaded": 2})
    finished = report(world)
    lifecycle.take(finished, world.sam)
    lifecycle.complete(finished, world.sam, None, [])
    report(world)  # nobody's yet
    html = signed_in(world.olga).get("/people").get_data(True)
    assert light_of(html, world.sam) == "free"
    lifecycle.take(report(world), world.sam)
    html = signed_in(world.olga).get("/people").get_data(True)
    assert light_of(html, world.sam) == "busy" and "1 open request" in html


def test_workload_is_one_query_however_many_people(world, signed_in):
    olga = signed_in(world.olga)

    def request_queries():
        statements = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert olga.get("/people").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        # The Chats badge asks which requests are active (with thread_members): not workload.
        workload = [s for s in statements if "service_requests" in s]
        return [s for s in workload if "thread_members" not in s], len(statements)

    give(world, world.sam, 2)
    few, few_total = request_queries()
    for i in range(15):
        give(world, make_user(f"extra{i}", f"Extra {i}", teams=[world.cleaning]), 1)
    db.session.commit()
    many, many_total = request_queries()
    assert len(few) == len(many) == 1 and "GROUP BY" in many[0]
    assert many_total == few_total  # no query per person anywhere on the page


def test_write_opens_a_direct_chat_and_not_with_oneself(world, signed_in):
    html = signed_in(world.olga).get("/people").get_data(True)
    sam_row = re.search(rf'<li id="person-{world.sam.id}".*?</li>', html, re.S).group(0)
    # The chat pages' route (chats.direct); /chats/direct/<id> until they have one.
    assert re.search(r'<form method="post" action="/chats/direct[/?][^"]*"', sam_row)
    assert f'name="user_id" value="{world.sam.id}"' in sam_row
    own_row = re.search(rf'<li id="person-{world.olga.id}".*?</li>', html, re.S).group(0)
    assert "Write" not in own_row and "(you)" in own_row
