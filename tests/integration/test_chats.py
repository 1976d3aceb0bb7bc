"""Chats: the list, groups and direct chats, sending (photos, replies, resends), edits,
reactions, read marks, mute, mentions, and who may see what."""

import io
import re
import threading

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage

from tests.builders import make_user
from tests.conftest import executed, read_after_commit, token
from tests.images import jpeg_bytes
from wave.extensions import db
from wave.files.images import read_photo, store_photo
from wave.files.models import Attachment
from wave.messenger import chats, services
from wave.messenger.models import Mention, Message, MessageVersion, Thread, ThreadMember

HX = {"HX-Request": "true"}


@pytest.fixture
def group(world):
    """'Night shift': Olga and Sam."""
    return chats.create_group(world.olga, "Night shift", [world.sam])


@pytest.fixture
def as_user(signed_in):
    """as_user(user) → (test client, htmx headers with that client's CSRF token)."""

    def make(user):
        client = signed_in(user)
        return client, {**HX, "X-CSRFToken": token(client)}

    return make


def send(client, headers, thread, body="", **fields):
    data = {"body": body, **fields}
    return client.post(f"/chats/{thread.id}/messages", data=data, headers=headers)


def ids_in(html: str) -> list[int]:
    """The messages shown (not the chat page's sketch, which chat.js draws new ones from)."""
    shown = re.sub(r'<template id="message-sketch".*?</template>', "", html, flags=re.S)
    return [int(i) for i in re.findall(r'id="message-(\d+)"', shown)]


# ---------------------------------------------------------------- the list
def test_chat_list_shows_team_and_group_chats_newest_first_with_unread(world, group, as_user):
    olga, headers = as_user(world.olga)
    chats.send(group, world.sam, "Keys are at the desk")
    page = olga.get("/chats").get_data(True)
    team = db.session.scalar(select(Thread).where(Thread.team_id == world.cleaning.id))
    assert team is not None  # the team's chat exists without anyone making it
    assert page.index("Night shift") < page.index('id="chat-' + str(team.id) + '"')
    assert "Keys are at the desk" in page and "Sam Okafor: " in page
    assert re.search(rf'id="chat-{group.id}".*?class="count"[^>]*>1<', page, re.S)
    chats.send(team, world.sam, "Team meeting at 3")
    fragment = olga.get("/chats/list", headers=HX).get_data(True)
    assert fragment.startswith('<ul id="chat-list"')
    assert fragment.index(f'id="chat-{team.id}"') < fragment.index(f'id="chat-{group.id}"')
    assert olga.get("/chats/unread?chats=1").get_json() == {
        "total": 2,
        "chats": {str(group.id): 1, str(team.id): 1},
    }
    assert 'class="chat-badge">2<' in olga.get("/inbox").get_data(True)


def test_other_teams_chats_are_not_listed(world, as_user):
    tom, _ = as_user(world.tom)
    page = tom.get("/chats").get_data(True)
    assert ">IT<" in page and ">Cleaning<" not in page


@pytest.fixture
def queries(app):
    """queries(client, url) → how many SQL statements answering that GET took."""

    def count(client, url):
        db.session.expire_all()  # as in a fresh request: the user is loaded again
        seen = []

        def record(*args):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(url, headers=HX).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(seen)

    return count


def test_chat_list_takes_the_same_queries_however_many_chats(world, as_user, queries):
    olga, _ = as_user(world.olga)
    chats.send(chats.create_group(world.olga, "G0", [world.sam]), world.sam, "hi")
    chats.send(chats.direct_chat(world.olga, world.tom), world.tom, "hello")
    queries(olga, "/chats/list")  # the first visit makes the team chat
    few = queries(olga, "/chats/list")
    for i in range(1, 8):
        colleague = make_user(f"p{i}", f"Person {i}")
        db.session.commit()
        chats.send(chats.direct_chat(world.olga, colleague), colleague, f"hello {i}")
        chats.send(chats.create_group(world.olga, f"G{i}", [world.sam]), world.sam, "hi")
    assert queries(olga, "/chats/list") == few


def test_a_chat_page_takes_the_same_queries_however_many_messages(world, group, as_user, queries):
    def busy_message(i):
        photos = [
            store_photo(read_photo(FileStorage(io.BytesIO(jpeg_bytes()), "p.jpg")), world.sam.id)
        ]
        db.session.flush()
        quoted = db.session.scalar(select(Message).order_by(Message.id.desc()).limit(1))
        message, _ = chats.send(group, world.sam, f"m{i}", reply_to=quoted, photos=photos)
        chats.react(message, world.olga, "👍")
        chats.edit(message, world.sam, f"m{i}!")

    olga, _ = as_user(world.olga)
    for i in range(2):
        busy_message(i)
    few = queries(olga, f"/chats/{group.id}")
    for i in range(2, 12):
        busy_message(i)
    assert queries(olga, f"/chats/{group.id}") == few
    assert queries(olga, f"/chats/{group.id}/messages?after=0") < few


def test_catching_up_reads_the_roster_only_for_ones_own_messages(world, group, as_user, queries):
    olga, _ = as_user(world.olga)
    theirs, _ = chats.send(group, world.sam, "From Sam")
    url = f"/chats/{group.id}/messages?after={theirs.id - 1}"
    few = queries(olga, url)
    people = [make_user(f"p{i}", f"Person {i}") for i in range(20)]
    db.session.commit()
    chats.add_people(group, world.olga, people)
    assert queries(olga, url) == few  # every open copy of a chat fetches each new message

    mine, _ = chats.send(group, world.olga, "From Olga")
    chats.read(group, world.sam, mine.id)
    url = f"/chats/{group.id}/messages?after={mine.id - 1}"
    assert queries(olga, url) > few  # her own message shows who has read it
    html = olga.get(url, headers=HX).get_data(True)
    assert f'id="receipt-{mine.id}">✓✓ read by Sam Okafor' in html
    one = olga.get(f"/chats/{group.id}/messages/{mine.id}", headers=HX).get_data(True)
    assert f'id="receipt-{mine.id}">✓✓ read by Sam Okafor' in one
    older = olga.get(f"/chats/{group.id}/messages?before={mine.id + 1}", headers=HX)
    assert f'id="receipt-{mine.id}">✓✓ read by Sam Okafor' in older.get_data(True)


def test_new_group_with_picked_colleagues_and_a_missing_name_keeps_the_choice(world, as_user):
    olga, headers = as_user(world.olga)
    refused = olga.post(
        "/chats/groups", data={"title": "", "people": [world.tom.id]}, headers=headers
    )
    assert refused.status_code == 422
    html = refused.get_data(True)
    assert "Give the group a name." in html and html.startswith('<form id="group-form"')
    assert re.search(
        rf'value="{world.tom.id}"[^>]*checked|checked[^>]*value="{world.tom.id}"', html
    )
    made = olga.post(
        "/chats/groups",
        data={"title": "Lobby", "people": [world.tom.id, world.sam.id]},
        headers=headers,
    )
    assert made.status_code == 204
    thread_id = int(made.headers["HX-Redirect"].rsplit("/", 1)[1])
    thread = db.session.get(Thread, thread_id)
    assert (thread.kind, thread.title) == ("group", "Lobby")
    members = set(services.member_ids(thread))
    assert members == {world.olga.id, world.tom.id, world.sam.id}


def test_a_plain_form_post_makes_a_group_too(world, signed_in):
    olga = signed_in(world.olga)
    data = {"title": "Porch", "people": [world.sam.id], "csrf_token": token(olga)}
    response = olga.post("/chats/groups", data=data)
    assert response.status_code == 303 and re.search(r"/chats/\d+$", response.headers["Location"])
    refused = olga.post("/chats/groups", data={**data, "title": "  ", "people": []})
    assert refused.status_code == 422 and "Pick at least one colleague." in refused.get_data(True)


def test_direct_chat_is_one_per_pair_whoever_starts_it(world, signed_in):
    olga, sam = signed_in(world.olga), signed_in(world.sam)
    first = olga.post(f"/chats/direct/{world.sam.id}", data={"csrf_token": token(olga)})
    second = sam.post(f"/chats/direct/{world.olga.id}", data={"csrf_token": token(sam)})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Thread.id)).where(Thread.kind == "direct")) == 1
    page = olga.get(first.headers["Location"]).get_data(True)
    assert "<h1>Sam Okafor</h1>" in page
    myself = olga.post(f"/chats/direct/{world.olga.id}", data={"csrf_token": token(olga)})
    assert myself.headers["Location"] == "/chats"
    assert olga.post("/chats/direct/9999", data={"csrf_token": token(olga)}).status_code == 404


# ---------------------------------------------------------------- sending
def test_send_with_several_photos_shows_thumbnails_served_only_to_readers(
    world, group, as_user, signed_in
):
    sam, headers = as_user(world.sam)
    photos = [(io.BytesIO(jpeg_bytes(exif_gps=True)), f"p{i}.jpg") for i in range(3)]
    response = send(sam, headers, group, "Broken tiles", photo=photos, client_id="c-photos")
    assert response.status_code == 200
    html = response.get_data(True)
    urls = re.findall(rf'src="(/chats/{group.id}/photos/\d+/thumb)"', html)
    assert len(urls) == 3 and "Broken tiles" in html
    olga = signed_in(world.olga)
    thumb = olga.get(urls[0])
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in olga.get(urls[0].replace("/thumb", "/full")).data  # no EXIF
    assert signed_in(world.tom).get(urls[0]).status_code == 403
    other = chats.create_group(world.tom, "IT only", [world.dina])
    moved = urls[0].replace(f"/chats/{group.id}/", f"/chats/{other.id}/")
    assert signed_in(world.tom).get(moved).status_code == 404  # not a photo of that chat


def test_a_send_looks_for_its_client_id_once(world, group, as_user):
    sam, headers = as_user(world.sam)
    with executed("client_id") as found:
        assert send(sam, headers, group, "Once", client_id="c-once").status_code == 200
    lookups = [sql for sql, _ in found if sql.lstrip().upper().startswith("SELECT")]
    assert len(lookups) == 1  # the view's; services.post looked again


def test_a_send_answers_from_what_it_wrote_without_reading_it_back(world, group, as_user):
    sam, headers = as_user(world.sam)
    db.session.expire_all()  # as in a fresh request
    with read_after_commit() as read_back:
        photos = [(io.BytesIO(jpeg_bytes()), f"p{i}.jpg") for i in range(2)]
        answer = send(sam, headers, group, "I have the ladder", photo=photos, client_id="c-1")
    assert read_back == []  # six statements a send in a busy chat used to cost
    assert answer.status_code == 200
    html = answer.get_data(True)
    assert "I have the ladder" in html and 'class="message own"' in html
    assert len(re.findall(rf'src="/chats/{group.id}/photos/\d+/thumb"', html)) == 2


def test_resend_with_the_same_client_id_answers_with_the_stored_message(world, group, as_user):
    sam, headers = as_user(world.sam)
    photo = [(io.BytesIO(jpeg_bytes()), "p.jpg")]
    first = send(sam, headers, group, "Once", client_id="c-1", photo=photo)
    photo = [(io.BytesIO(jpeg_bytes()), "p.jpg")]
    again = send(sam, headers, group, "Once", client_id="c-1", photo=photo)
    assert first.status_code == again.status_code == 200
    assert ids_in(first.get_data(True)) == ids_in(again.get_data(True))
    assert db.session.scalar(select(func.count(Message.id))) == 1
    assert db.session.scalar(select(func.count(Attachment.id))) == 1  # no photo stored twice
    page = sam.get(f"/chats/{group.id}").get_data(True)
    assert len(ids_in(page)) == 1


def test_two_posts_of_one_client_id_at_the_same_moment_make_one_message(app, world, group):
    barrier = threading.Barrier(3, timeout=20)
    results = []
    thread_id, sam_id = group.id, world.sam.id  # read here: sessions are per thread

    def post():
        with app.app_context():
            from wave.auth.models import User

            thread, sam = db.session.get(Thread, thread_id), db.session.get(User, sam_id)
            barrier.wait()
            message, created = chats.send(thread, sam, "Racing", "c-race")
            results.append((message.id, created))
            db.session.remove()

    workers = [threading.Thread(target=post) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert len(results) == 3 and len({message_id for message_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, True]
    assert db.session.scalar(select(func.count(Message.id))) == 1


def test_empty_or_too_long_message_comes_back_with_422_and_the_text(world, group, as_user):
    sam, headers = as_user(world.sam)
    empty = send(sam, headers, group, "   ", client_id="c-e")
    assert empty.status_code == 422
    assert "Write a message or add a photo" in empty.get_data(True)
    long = send(sam, headers, group, "x" * 4001 + "END", client_id="c-long")
    html = long.get_data(True)
    assert long.status_code == 422 and html.startswith('<form id="compose"')
    assert "END</textarea>" in html and 'value="c-long"' in html  # the same client id again
    plain = sam.post(
        f"/chats/{group.id}/messages",
        data={"body": "y" * 4001, "csrf_token": token(sam), "client_id": "c-plain"},
    )
    assert plain.status_code == 422 and "<h1>Night shift</h1>" in plain.get_data(True)
    assert db.session.scalar(select(func.count(Message.id))) == 0


def test_a_bad_photo_is_refused_and_the_good_one_is_kept_for_the_next_try(world, group, as_user):
    sam, headers = as_user(world.sam)
    photos = [(io.BytesIO(jpeg_bytes()), "good.jpg"), (io.BytesIO(b"not an image"), "bad.jpg")]
    refused = send(sam, headers, group, "Look", photo=photos, client_id="c-bad")
    html = refused.get_data(True)
    assert refused.status_code == 422 and "Please attach a photo" in html
    assert "1 photo is kept" in html
    tokens = re.search(r'name="photo_tokens" type="hidden" value="([^"]+)"', html).group(1)
    sent = send(sam, headers, group, "Look", photo_tokens=tokens, client_id="c-bad")
    assert sent.status_code == 200
    message = db.session.scalar(select(Message))
    assert [link.attachment.original_name for link in message.attachments] == ["good.jpg"]


def test_plain_post_redirects_to_the_message(world, group, signed_in):
    sam = signed_in(world.sam)
    response = sam.post(
        f"/chats/{group.id}/messages", data={"body": "Plain", "csrf_token": token(sam)}
    )
    message = db.session.scalar(select(Message))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/chats/{group.id}#message-{message.id}")


def test_message_text_is_escaped(world, group, as_user):
    sam, headers = as_user(world.sam)
    html = send(sam, headers, group, "<script>alert('x')</script> & <b>bold</b>").get_data(True)
    assert "<script>alert" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold" in html
    page = sam.get(f"/chats/{group.id}").get_data(True)
    assert "<script>alert" not in page
    listing = sam.get("/chats").get_data(True)
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing


def test_reply_quotes_its_message_and_a_quote_from_another_chat_is_dropped(world, group, as_user):
    sam, headers = as_user(world.sam)
    original, _ = chats.send(group, world.olga, "Who has the keys?")
    html = send(sam, headers, group, "I do", reply_to=original.id).get_data(True)
    assert f'class="quote" href="#message-{original.id}"' in html
    assert "Who has the keys?" in html and "Olga Petrova" in html
    elsewhere, _ = chats.send(chats.direct_chat(world.sam, world.tom), world.tom, "secret")
    html = send(sam, headers, group, "Hm", reply_to=elsewhere.id).get_data(True)
    assert "secret" not in html and 'class="quote"' not in html
    form = sam.get(f"/chats/{group.id}?reply_to={original.id}").get_data(True)
    assert re.search(rf'name="reply_to" type="hidden" value="{original.id}"', form)


def test_edit_keeps_every_earlier_version_and_only_the_author_edits(world, group, as_user):
    sam, headers = as_user(world.sam)
    message, _ = chats.send(group, world.sam, "Frist")
    url = f"/chats/{group.id}/messages/{message.id}/edit"
    assert sam.post(url, data={"body": "First"}, headers=headers).status_code == 200
    html = sam.post(url, data={"body": "First!"}, headers=headers).get_data(True)
    assert "First!" in html and ">edited<" in html
    assert html.index("First</p>") < html.index("Frist</p>")  # newest earlier version first
    versions = db.session.scalars(select(MessageVersion.body).order_by(MessageVersion.id)).all()
    assert versions == ["Frist", "First"]
    olga, olga_headers = as_user(world.olga)
    refused = olga.post(url, data={"body": "Hijack"}, headers=olga_headers)
    assert (
        refused.status_code == 422
        and "You can only edit your own messages." in refused.get_data(True)
    )
    assert 'name="body"' not in refused.get_data(True)  # no edit form for someone else's message
    empty = sam.post(url, data={"body": " "}, headers=headers)
    assert empty.status_code == 422 and "Write a message" in empty.get_data(True)
    db.session.expire_all()
    assert db.session.get(Message, message.id).body == "First!"


def test_reactions_toggle_and_show_counts_and_who(world, group, as_user):
    message, _ = chats.send(group, world.olga, "Done with floor 3")
    url = f"/chats/{group.id}/messages/{message.id}/reactions"
    sam, sam_headers = as_user(world.sam)
    olga, olga_headers = as_user(world.olga)
    sam.post(url, data={"emoji": "👍"}, headers=sam_headers)
    html = olga.post(url, data={"emoji": "👍"}, headers=olga_headers).get_data(True)
    assert re.search(r'class="reaction mine" title="Sam Okafor, Olga Petrova"[^>]*>👍 2<', html)
    html = sam.post(url, data={"emoji": "👍"}, headers=sam_headers).get_data(True)
    assert ">👍 1<" in html and "Sam Okafor" not in html.split("who-reacted")[1].split("</ul>")[0]
    assert sam.post(url, data={"emoji": "💩"}, headers=sam_headers).status_code == 422


def test_read_marks_unread_counts_and_receipts(world, group, as_user):
    first, _ = chats.send(group, world.olga, "One")
    second, _ = chats.send(group, world.olga, "Two")
    sam, headers = as_user(world.sam)
    assert sam.get("/chats/unread?chats=1").get_json()["chats"] == {str(group.id): 2}
    page = sam.get(f"/chats/{group.id}").get_data(True)
    assert page.index('id="unread-divider"') < page.index(f'id="message-{first.id}"')
    marked = sam.post(f"/chats/{group.id}/read", data={"message_id": first.id}, headers=headers)
    assert marked.get_json() == {"total": 1}  # the badge after it, so chat.js need not ask
    assert sam.get("/chats/unread?chats=1").get_json()["chats"] == {str(group.id): 1}
    assert [u.username for u in services.readers(first)] == ["sam"]
    assert services.readers(second) == []
    olga, _ = as_user(world.olga)
    receipts = olga.get(f"/chats/{group.id}/receipts?after=0").get_data(True)
    assert f'id="receipt-{first.id}">✓✓ read by Sam Okafor' in receipts
    assert f'id="receipt-{second.id}">✓ sent' in receipts
    # A read mark never moves back, nor past the newest message.
    sam.post(f"/chats/{group.id}/read", data={"message_id": 10**6}, headers=headers)
    sam.post(f"/chats/{group.id}/read", data={"message_id": first.id}, headers=headers)
    db.session.expire_all()
    assert services.member(group, world.sam).last_read_id == second.id
    assert sam.get("/chats/unread?chats=1").get_json() == {"total": 0, "chats": {}}
    assert (
        sam.post(f"/chats/{group.id}/read", data={"message_id": "x"}, headers=headers).status_code
        == 422
    )


def test_a_muted_chat_keeps_its_count_but_leaves_the_badge(world, group, as_user):
    chats.send(group, world.olga, "Psst")
    sam, headers = as_user(world.sam)
    html = sam.post(f"/chats/{group.id}/mute", data={"muted": "1"}, headers=headers).get_data(True)
    assert html.startswith('<div id="chat-info"') and ">Unmute<" in html
    assert sam.get("/chats/unread?chats=1").get_json() == {"total": 0, "chats": {str(group.id): 1}}
    assert "is-muted" in sam.get("/chats/list").get_data(True)
    sam.post(f"/chats/{group.id}/mute", data={"muted": "0"}, headers=headers)
    assert sam.get("/chats/unread").get_json()["total"] == 1


def test_mention_is_recorded_and_told_to_that_person_only(world, group, as_user, monkeypatch):
    told = []
    monkeypatch.setattr(
        "wave.realtime.socketio.emit", lambda name, data, to: told.append((name, data, to))
    )
    chats.add_people(group, world.olga, [world.tom])
    told.clear()
    sam, headers = as_user(world.sam)
    send(sam, headers, group, "@tom please check, cc @olga and @nobody")
    message = db.session.scalar(select(Message))
    mentioned = db.session.scalars(select(Mention.user_id).where(Mention.message_id == message.id))
    assert set(mentioned) == {world.tom.id, world.olga.id}
    payload = {"thread_id": group.id, "message_id": message.id}
    mentions = sorted(to for name, data, to in told if name == "chat-mentioned" and data == payload)
    assert mentions == [[f"user:{world.olga.id}"], [f"user:{world.tom.id}"]]


def test_someone_added_sees_the_whole_history(world, group, as_user):
    chats.send(group, world.olga, "Before Tom came")
    tom, headers = as_user(world.tom)
    assert tom.get(f"/chats/{group.id}").status_code == 403
    olga, olga_headers = as_user(world.olga)
    html = olga.post(
        f"/chats/{group.id}/members", data={"people": [world.tom.id]}, headers=olga_headers
    ).get_data(True)
    assert "Tom Berg" in html and "3 members" in html
    assert "Before Tom came" in tom.get(f"/chats/{group.id}").get_data(True)
    assert tom.get("/chats/unread?chats=1").get_json()["chats"] == {str(group.id): 1}
    nobody = olga.post(f"/chats/{group.id}/members", data={"people": []}, headers=olga_headers)
    assert nobody.status_code == 422


def test_people_are_added_to_group_chats_only(world, as_user):
    direct = chats.direct_chat(world.olga, world.sam)
    olga, headers = as_user(world.olga)
    response = olga.post(
        f"/chats/{direct.id}/members", data={"people": [world.tom.id]}, headers=headers
    )
    assert response.status_code == 422
    assert services.member_ids(direct) == sorted(services.member_ids(direct))
    assert world.tom.id not in services.member_ids(direct)


def test_event_and_card_messages_render_as_such(world, group, as_user):
    services.post(group, world.olga, "status:in_progress", kind="event")
    services.post(group, world.olga, "#7 · Trash removal", kind="card")
    db.session.commit()
    olga, _ = as_user(world.olga)
    page = olga.get(f"/chats/{group.id}").get_data(True)
    assert re.search(r'<li class="message event" id="message-\d+"', page)
    assert re.search(r'<li class="message own with-card" id="message-\d+"', page)


def test_older_messages_page_by_keyset_and_catch_up_pages_forward(world, group, as_user):
    for i in range(60):
        services.post(group, world.olga, f"m{i}")
    db.session.commit()
    olga, _ = as_user(world.olga)
    page = olga.get(f"/chats/{group.id}").get_data(True)
    shown = ids_in(page)
    assert len(shown) == 50 and ">m10</p>" in page and ">m9</p>" not in page
    older = olga.get(f"/chats/{group.id}/messages?before={shown[0]}", headers=HX).get_data(True)
    assert ids_in(older) == list(range(shown[0] - 10, shown[0])) and "Older messages" not in older
    after = olga.get(f"/chats/{group.id}/messages?after={shown[0]}", headers=HX)
    assert ids_in(after.get_data(True)) == shown[1:] and "X-Wave-More" not in after.headers
    first = olga.get(f"/chats/{group.id}/messages?after=0", headers=HX)
    assert "X-Wave-More" not in first.headers and len(ids_in(first.get_data(True))) == 60
    one = olga.get(f"/chats/{group.id}/messages/{shown[-1]}", headers=HX).get_data(True)
    assert one.strip().startswith(f'<li class="message own" id="message-{shown[-1]}"')


# ---------------------------------------------------------------- who may see what
CHAT_ROUTES = [
    ("GET", "/chats/{t}"),
    ("GET", "/chats/{t}/messages?after=0"),
    ("GET", "/chats/{t}/messages?before=999"),
    ("GET", "/chats/{t}/messages/{m}"),
    ("GET", "/chats/{t}/receipts"),
    ("GET", "/chats/notice?message_id={m}"),
    ("GET", "/chats/{t}/photos/{a}/thumb"),
    ("GET", "/chats/{t}/photos/{a}/full"),
    ("POST", "/chats/{t}/messages"),
    ("POST", "/chats/{t}/messages/{m}/edit"),
    ("POST", "/chats/{t}/messages/{m}/reactions"),
    ("POST", "/chats/{t}/read"),
    ("POST", "/chats/{t}/mute"),
    ("POST", "/chats/{t}/members"),
]


@pytest.mark.parametrize("kind", ["group", "direct", "team"])
def test_an_outsider_is_refused_every_chat_route(world, as_user, kind):
    if kind == "group":
        thread = chats.create_group(world.olga, "Cleaners", [world.sam])
    elif kind == "direct":
        thread = chats.direct_chat(world.olga, world.sam)
    else:
        thread = chats.team_chat(world.cleaning)
    sam, sam_headers = as_user(world.sam)
    send(sam, sam_headers, thread, "Photo", photo=[(io.BytesIO(jpeg_bytes()), "p.jpg")])
    message = db.session.scalar(select(Message))
    values = {"t": thread.id, "m": message.id, "a": message.attachments[0].attachment_id}
    tom, headers = as_user(world.tom)
    data = {
        "body": "x",
        "emoji": "👍",
        "message_id": message.id,
        "muted": "1",
        "people": [world.tom.id],
    }
    for method, url in CHAT_ROUTES:
        url = url.format(**values)
        response = tom.open(
            url, method=method, headers=headers, data=data if method == "POST" else None
        )
        assert response.status_code == 403, (method, url, response.status_code)
    assert db.session.scalar(select(func.count(Message.id))) == 1
    assert world.tom.id not in services.member_ids(thread)
    assert tom.get("/chats/9999").status_code == 404


def test_posts_without_a_csrf_token_are_refused(world, group, signed_in):
    sam = signed_in(world.sam)
    assert sam.post(f"/chats/{group.id}/messages", data={"body": "x"}).status_code == 400
    assert (
        sam.post("/chats/groups", data={"title": "x", "people": [world.olga.id]}).status_code == 400
    )
    assert db.session.scalar(select(func.count(Message.id))) == 0


def test_staff_pages_link_chats_with_the_unread_badge_and_people(world, group, as_user):
    chats.send(group, world.olga, "Hi")
    sam, _ = as_user(world.sam)
    page = sam.get("/inbox").get_data(True)
    assert 'href="/chats"' in page and 'href="/people"' in page
    assert page.count('class="chat-badge">1<') == 2  # top bar and the phone's tab bar
    assert 'class="tabbar"' not in sam.get(f"/chats/{group.id}").get_data(True)


def test_team_chat_membership_follows_the_team(world, as_user):
    team = chats.team_chat(world.cleaning)
    olga, _ = as_user(world.olga)
    assert olga.get(f"/chats/{team.id}").status_code == 200
    assert db.session.get(ThreadMember, (team.id, world.olga.id)) is not None
    world.olga.teams.remove(world.cleaning)
    db.session.commit()
    assert olga.get(f"/chats/{team.id}").status_code == 403
    assert f'id="chat-{team.id}"' not in olga.get("/chats").get_data(True)


def test_a_team_chat_lists_its_whole_team_as_members(world, as_user):
    team = chats.team_chat(world.cleaning)
    chats.send(team, world.olga, "Anyone?")
    olga, _ = as_user(world.olga)
    html = olga.get(f"/chats/{team.id}").get_data(True)
    info = html[html.index('id="chat-info"') :]
    assert "2 members" in info and "Sam Okafor" in info and "has unread messages" in info
    assert "Add people" not in info  # a team chat follows the team


def test_the_badge_counts_a_team_chat_never_opened(world, as_user):
    team = chats.team_chat(world.cleaning)
    chats.send(team, world.sam, "Welcome!")
    olga, _ = as_user(world.olga)
    assert services.member(team, world.olga) is None
    assert 'class="chat-badge">1<' in olga.get("/inbox").get_data(True)
    tom, _ = as_user(world.tom)
    assert 'class="chat-badge" hidden>0<' in tom.get("/inbox").get_data(True)


def test_the_badge_costs_one_query_besides_sign_in(world, group, as_user, queries):
    """Every open page asks for the badge when a message comes into a chat it does not show:
    in a big chat that is one request per member per message."""
    chats.send(group, world.olga, "One")
    sam, _ = as_user(world.sam)
    assert sam.get("/chats/unread").get_json() == {"total": 1}
    assert queries(sam, "/chats/unread") == queries(sam, "/chats/unread?chats=1") - 1
