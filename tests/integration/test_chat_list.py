"""The chat list a page at a time, and the badge's total, at a dispatcher's scale: keyset
pages without gaps or repeats whichever way a page is found, finished requests' discussions
out of the total (their rows keep their counts), and statements that do not grow with the
number of chats."""

import re

import pytest
from sqlalchemy import select

from tests.builders import report
from wave.extensions import db
from wave.messenger import chats, listing, unread
from wave.messenger.models import Thread, ThreadMember
from wave.requests import lifecycle

HX = {"HX-Request": "true"}


def keys_in(html: str) -> list[str]:
    return re.findall(r'data-key="([^"]+)"', html)


def more_url(html: str) -> str | None:
    found = re.search(r'hx-get="(/chats/list/more\?cursor=[^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def many_chats(world):
    """Olga in 23 groups: 18 with messages written out of order, 5 without any."""
    groups = [chats.create_group(world.olga, f"G{i}", [world.sam]) for i in range(23)]
    for i in (7, 2, 15, 0, 11, 4, 17, 9, 1, 13, 6, 16, 3, 12, 8, 5, 14, 10):
        chats.send(groups[i], world.sam, f"news {i}")
    return groups


def expected_order(user) -> list[str]:
    """The list's order worked out in Python: newest message first, then chats without
    messages, newest first."""
    threads = db.session.scalars(
        select(Thread)
        .join(ThreadMember, ThreadMember.thread_id == Thread.id)
        .where(ThreadMember.user_id == user.id)
    ).all()
    keys = sorted((listing.Key.of(t) for t in threads), reverse=True)
    return [str(k) for k in keys]


@pytest.mark.parametrize(
    "walk, cut",
    [(False, None), (True, None), (True, 4)],
    ids=["memberships sorted", "threads walked", "walk cut short"],
)
def test_pages_follow_each_other_without_gaps_or_repeats(
    world, many_chats, signed_in, monkeypatch, walk, cut
):
    monkeypatch.setattr(listing, "PAGE", 5)
    if walk:
        monkeypatch.setattr(listing, "WALK_ABOVE", 0)
    if cut:
        monkeypatch.setattr(listing, "WALK", cut)  # fewer than a page: sorted after all
    olga = signed_in(world.olga)
    page = olga.get("/chats").get_data(True)
    seen, url = keys_in(page), more_url(page)
    assert len(seen) == 5
    while url:
        fragment = olga.get(url, headers=HX).get_data(True)
        assert not fragment.lstrip().startswith("<ul")  # rows in place of the button
        seen += keys_in(fragment)
        url = more_url(fragment)
    assert seen == expected_order(world.olga)
    assert len(seen) == 24  # 23 groups and the team chat


def test_a_later_page_works_as_a_plain_link(world, many_chats, signed_in, monkeypatch):
    monkeypatch.setattr(listing, "PAGE", 5)
    olga = signed_in(world.olga)
    first = olga.get("/chats").get_data(True)
    cursor = keys_in(first)[-1]
    assert f'href="/chats?cursor={cursor}"' in first  # "Show more" without JavaScript
    second = olga.get(f"/chats?cursor={cursor}").get_data(True)
    assert keys_in(second) == expected_order(world.olga)[5:10]
    assert 'href="/chats"' in second and "Newest chats" in second
    assert olga.get("/chats?cursor=nonsense").status_code == 200  # the first page


def test_a_live_refresh_keeps_the_pages_shown_and_follows_new_messages(
    world, many_chats, signed_in, monkeypatch
):
    monkeypatch.setattr(listing, "PAGE", 5)
    olga = signed_in(world.olga)
    order = expected_order(world.olga)
    through = order[11]  # three pages shown: down to the twelfth row
    moved = many_chats[22]  # no messages yet: at the very end of the list
    chats.send(moved, world.sam, "Now I'm first")
    html = olga.get(f"/chats/list?through={through}", headers=HX).get_data(True)
    assert html.startswith('<ul id="chat-list"')
    assert keys_in(html) == [str(listing.Key.of(moved)), *order[:12]]
    following = more_url(html)
    assert following is not None and following.endswith(f"cursor={order[11]}")


def test_a_finished_requests_discussion_leaves_the_total_and_keeps_its_row_count(world, signed_in):
    active, finished = report(world), report(world, description="Leak")
    dina = signed_in(world.dina)
    for req in (active, finished):
        assert dina.get(f"/chats/{req.thread_id}").status_code == 200  # takes part
        thread = db.session.get(Thread, req.thread_id)
        chats.send(thread, world.sam, "Any news?")
        chats.send(thread, world.sam, "Hello?")
    assert unread.total(world.dina) == 4
    lifecycle.cancel(finished, world.dina, "Duplicate")
    assert not db.session.get(ThreadMember, (finished.thread_id, world.dina.id)).counted
    assert unread.total(world.dina) == 2
    assert dina.get("/chats/unread?chats=1").get_json() == {
        "total": 2,
        "chats": {str(active.thread_id): 2},
    }
    listed = dina.get("/chats").get_data(True)
    assert re.search(rf'id="chat-{finished.thread_id}".*?class="count"[^>]*>2<', listed, re.S)
    assert 'class="chat-badge">2<' in listed


def test_opening_a_finished_requests_discussion_does_not_count_it(world, signed_in):
    req = report(world)
    lifecycle.cancel(req, world.dina, "Duplicate")
    chats.send(db.session.get(Thread, req.thread_id), world.sam, "Still here?")
    dina = signed_in(world.dina)
    assert dina.get(f"/chats/{req.thread_id}?before=1").status_code == 200  # reads nothing
    assert not db.session.get(ThreadMember, (req.thread_id, world.dina.id)).counted
    assert unread.total(world.dina) == 0


def test_the_badge_stops_at_99_plus(world, signed_in):
    group = chats.create_group(world.sam, "Busy", [world.olga])
    for i in range(unread.BADGE_CAP + 5):
        chats.send(group, world.sam, f"m{i}")
    olga = signed_in(world.olga)
    assert unread.total(world.olga) == unread.BADGE_CAP
    assert olga.get("/chats/unread").get_json()["total"] == unread.BADGE_CAP
    assert 'class="chat-badge">99+<' in olga.get("/inbox").get_data(True)
    assert re.search(r'class="count"[^>]*>99\+<', olga.get("/chats").get_data(True))


def test_badge_and_list_page_take_the_same_statements_however_many_discussions(
    world, signed_in, statements, monkeypatch
):
    monkeypatch.setattr(listing, "PAGE", 5)
    dina = signed_in(world.dina)

    def take_part(n):
        for i in range(n):
            req = report(world, description=f"r{i}")
            chats.join_if_allowed(db.session.get(Thread, req.thread_id), world.dina)
            chats.send(db.session.get(Thread, req.thread_id), world.sam, "hi")

    def looks():
        db.session.expire_all()
        statements.clear()
        unread.total(world.dina)  # after loading the person and their teams: one statement
        badge = len([s for s in statements if "thread_members" in s])
        statements.clear()
        assert dina.get("/chats/list", headers=HX).status_code == 200
        return badge, len(statements)

    take_part(6)
    looks()
    few = looks()
    take_part(30)
    assert looks() == few
    assert few[0] == 1
