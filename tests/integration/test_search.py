"""Archive search: each criterion finds what it should and nothing else, only among requests
the searcher may open; keyset pages; the form's errors; the indexes on both databases."""

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.builders import make_user, report
from wave.extensions import db
from wave.messenger import services as messenger
from wave.messenger.models import Message, Thread
from wave.qr.models import Location, Site
from wave.requests import discussion, lifecycle, services
from wave.requests.models import ServiceRequest
from wave.search import queries, schema
from wave.search.criteria import Criteria, read_box
from wave.search.queries import search


def _at(req, day: date):
    req.created_at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@pytest.fixture
def archive(world):
    """Five requests to look for (see each one's comment); commits."""
    north = Site(name="Северная башня", address="ул. Ленина, 5", timezone="Europe/Moscow")
    floor2 = Location(site=north, name="Этаж 2", kind="floor")
    kitchen = Location(site=north, parent=floor2, name="Кухня", kind="room")
    db.session.add_all([north, floor2, kitchen])
    db.session.commit()

    # Cleaning, room 101, March: words in the description, a German phone, a mixed-case e-mail.
    door = report(
        world,
        description="The door of the kitchen does not close",
        contact={
            "name": "Ivan Petrov",
            "phone": "+49 30 1234567",
            "email": "Ivan.Petrov@Example.com",
        },
    )
    # IT, the printer in room 101, May, in progress with Tom: cleaners must never see it.
    printer = services.submit_from_tag(
        world.printer_tag,
        category=world.printer_problem,
        description="Paper jam in the printer",
        photos=[],
        contact={"name": "Maria Schmidt", "phone": "8 (916) 555-12-34"},
        submission_key=None,
    )[0]
    # Cleaning, the other site's kitchen, June, done: Russian words and name.
    russian = services.create_from_desk(
        world.dina,
        category=world.trash,
        location=kitchen,
        asset=None,
        description="Дверь не закрывается, нужен мастер",
        priority="normal",
        contact={"name": "Пётр Иванов"},
        photos=[],
    )[0]
    # Cleaning, room 101, July: the word is only in the discussion.
    talked = report(world, description="Bin is full")
    # Cleaning, room 101, August, no contact: the control that matches next to nothing.
    plain = report(world, description="Spilled coffee on the carpet")
    for req, day in [
        (door, date(2024, 3, 10)),
        (printer, date(2024, 5, 20)),
        (russian, date(2024, 6, 1)),
        (talked, date(2024, 7, 1)),
        (plain, date(2024, 8, 15)),
    ]:
        _at(req, day)
    db.session.commit()
    lifecycle.assign(printer, world.dina, world.tom)
    lifecycle.start(printer, world.tom)
    russian.status = "done"
    db.session.commit()
    discussion.comment(talked, world.olga, "The cleaner found a broken window here")
    return {
        "door": door.id,
        "printer": printer.id,
        "russian": russian.id,
        "talked": talked.id,
        "plain": plain.id,
        "north": north,
        "floor2": floor2,
        "kitchen": kitchen,
    }


def found(user, **criteria) -> set[int]:
    rows, cursor = search(user, Criteria(**criteria), limit=100)
    assert cursor is None
    return {r.id for r in rows}


def names(archive, *keys) -> set[int]:
    return {archive[k] for k in keys}


# ------------------------------------------------------------------------------ the box
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#42", {"number": 42}),
        ("# 42", {"number": 42}),
        ("42", {"number": 42}),
        ("12345", {"number": 12345, "phone": "12345"}),
        ("+49 30 123", {"phone": "4930123"}),
        ("8 (916) 555-12-34", {"phone": "89165551234"}),
        ("ivan@example", {"email": "ivan@example"}),
        ("door kitchen", {"words": "door kitchen"}),
        ("room 101", {"words": "room 101"}),
        ("дверь", {"words": "дверь"}),
    ],
)
def test_the_box_reads_numbers_phones_addresses_and_words(text, expected):
    box = read_box(text)
    assert {k: v for k, v in vars(box).items() if v not in (None, "")} == expected


# ------------------------------------------------------------------------------ criteria
def test_a_number_finds_that_request(world, archive):
    for text in (f"#{archive['door']}", str(archive["door"])):
        assert found(world.dina, text=text) == names(archive, "door")
    assert found(world.dina, text="#999999") == set()


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"date_from": date(2024, 5, 1), "date_to": date(2024, 6, 30)}, {"printer", "russian"}),
        ({"date_from": date(2024, 7, 1)}, {"talked", "plain"}),
        ({"date_to": date(2024, 3, 10)}, {"door"}),
        ({"date_from": date(2024, 3, 11), "date_to": date(2024, 5, 19)}, set()),
    ],
)
def test_a_date_range_finds_requests_created_in_it(world, archive, criteria, expected):
    assert found(world.dina, timezone="Europe/Berlin", **criteria) == names(archive, *expected)


def test_a_site_finds_its_requests(world, archive):
    assert found(world.dina, site_id=archive["north"].id) == names(archive, "russian")
    everything_else = {"door", "printer", "talked", "plain"}
    assert found(world.dina, site_id=world.site.id) == names(archive, *everything_else)


def test_a_location_includes_everything_under_it(world, archive):
    first_site = {"door", "printer", "talked", "plain"}
    assert found(world.dina, location_id=world.floor.id) == names(archive, *first_site)
    assert found(world.dina, location_id=world.room.id) == names(archive, *first_site)
    assert found(world.dina, location_id=archive["floor2"].id) == names(archive, "russian")
    assert found(world.dina, location_id=archive["kitchen"].id) == names(archive, "russian")


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("кухня", {"russian"}),  # a room's name, in another case
        ("этаж 2", {"russian"}),  # a floor: the rooms on it
        ("ленина", {"russian"}),  # the site's address
        ("Северная", {"russian"}),  # the site's name
        ("printer p1", {"printer"}),  # an asset
        ("floor 1", {"door", "printer", "talked", "plain"}),
        ("101 office", {"door", "printer", "talked", "plain"}),
        ("basement", set()),
    ],
)
def test_a_place_name_or_address_finds_requests_there(world, archive, place, expected):
    assert found(world.dina, place=place) == names(archive, *expected)


@pytest.mark.parametrize(
    ("requester", "expected"),
    [
        ("petrov", {"door"}),
        ("Ivan", {"door"}),
        ("иванов", {"russian"}),
        ("пётр иван", {"russian"}),
        ("schmidt", {"printer"}),
        ("kitchen", set()),  # in a description, not a name
        ("ivanova", set()),
    ],
)
def test_the_requester_name_finds_their_requests(world, archive, requester, expected):
    assert found(world.dina, requester=requester) == names(archive, *expected)


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+49 30 123", {"door"}),
        ("49-30-1234567", {"door"}),
        ("(4930) 12", {"door"}),
        ("8 916 555", {"printer"}),
        ("89165551234", {"printer"}),
        ("+49 31", set()),
        ("1234567", set()),  # the middle of a number is not its start
    ],
)
def test_a_phone_in_any_format_finds_its_requests(world, archive, phone, expected):
    assert found(world.dina, phone=phone) == names(archive, *expected)
    if len(re.sub(r"\D", "", phone)) >= 5 and not phone.isdigit():
        assert found(world.dina, text=phone) == names(archive, *expected)


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ivan.petrov@example.com", {"door"}),
        ("IVAN.PETROV", {"door"}),
        ("ivan", {"door"}),
        ("maria", set()),
        ("ivan_petrov", set()),  # '_' is a letter here, not a wildcard
    ],
)
def test_an_email_finds_its_requests(world, archive, email, expected):
    assert found(world.dina, email=email) == names(archive, *expected)


def test_the_box_finds_an_email_address(world, archive):
    assert found(world.dina, text="Ivan.Petrov@example.com") == names(archive, "door")


def test_assignee_and_nobody(world, archive):
    assert found(world.dina, assignee_id=world.tom.id) == names(archive, "printer")
    assert found(world.dina, assignee_id=world.olga.id) == set()
    nobody = {"door", "russian", "talked", "plain"}
    assert found(world.dina, unassigned=True) == names(archive, *nobody)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("in_progress", {"printer"}),
        ("done", {"russian"}),
        ("open", {"door", "printer", "talked", "plain"}),
        ("closed", set()),
    ],
)
def test_status(world, archive, status, expected):
    assert found(world.dina, status=status) == names(archive, *expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kitchen", {"door"}),  # a word of a description
        ("KITCHEN", {"door"}),
        ("kitch", {"door"}),  # the start of a word
        ("door kitchen", {"door"}),  # every word, in any order
        ("door window", set()),  # …of one request
        ("window", {"talked"}),  # a word of a message in the discussion
        ("bin window", {"talked"}),  # one word in the description, one in the discussion
        ("broken wind", {"talked"}),
        ("paper jam", {"printer"}),
        ("дверь", {"russian"}),  # Cyrillic
        ("ДВЕРЬ", {"russian"}),
        ("закрыва", {"russian"}),  # the start of a Russian word
        ("мастер", {"russian"}),
        ("carpet", {"plain"}),
        ("petrov", {"door"}),  # the requester's name is in a request's text too
        ("nothing-like-this", set()),
    ],
)
def test_words_in_descriptions_and_discussions(world, archive, text, expected):
    assert found(world.dina, text=text) == names(archive, *expected)


def test_status_lines_in_a_discussion_are_not_searched(world, archive):
    # Assigning and starting the printer request posted 'assigned', 'status:in_progress'.
    assert found(world.dina, text="status") == set()
    assert found(world.dina, text="assigned") == set()


def test_an_edited_message_is_found_by_its_new_words_only(world, archive):
    message = db.session.scalar(
        sa.select(Message).where(Message.kind == "text", Message.body.contains("window"))
    )
    talked = db.session.get(ServiceRequest, archive["talked"])
    discussion.edit_comment(talked, message, world.olga, "Actually it was the balcony door")
    assert found(world.dina, text="window") == set()
    assert found(world.dina, text="balcony") == names(archive, "talked")


def test_a_changed_description_is_found_by_its_new_words(world, archive):
    plain = db.session.get(ServiceRequest, archive["plain"])
    plain.description = "Spilled tea on the sofa"
    db.session.commit()
    assert found(world.dina, text="carpet") == set()
    assert found(world.dina, text="sofa") == names(archive, "plain")


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"text": "door", "status": "open"}, {"door"}),
        ({"text": "door", "status": "done"}, set()),
        ({"text": "дверь", "site_id": "north"}, {"russian"}),
        ({"text": "door", "site_id": "north"}, set()),
        ({"text": "window", "date_from": date(2024, 7, 1)}, {"talked"}),
        ({"text": "window", "date_to": date(2024, 6, 30)}, set()),
        ({"place": "101", "status": "open", "unassigned": True}, {"door", "talked", "plain"}),
        ({"requester": "ivan", "phone": "+49"}, {"door"}),
        ({"requester": "ivan", "phone": "8916"}, set()),
        ({"text": "paper", "assignee_id": "tom", "location_id": "floor"}, {"printer"}),
    ],
)
def test_criteria_combine(world, archive, criteria, expected):
    ids = {"north": archive["north"].id, "tom": world.tom.id, "floor": world.floor.id}
    criteria = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in criteria.items()}
    assert found(world.dina, **criteria) == names(archive, *expected)


# ------------------------------------------------------------------------------ who sees
def test_a_cleaner_never_sees_it_requests(world, archive):
    assert found(world.olga, text="paper") == set()
    assert found(world.olga, text=f"#{archive['printer']}") == set()
    assert found(world.olga, phone="8916") == set()
    assert found(world.olga, place="printer") == set()
    everything_cleaning = {"door", "russian", "talked", "plain"}
    assert found(world.olga, date_from=date(2020, 1, 1)) == names(archive, *everything_cleaning)
    assert found(world.tom, text="paper") == names(archive, "printer")
    assert found(world.tom, date_from=date(2020, 1, 1)) == names(archive, "printer")


def test_staff_see_what_they_hold_besides_their_team(world, archive):
    printer = db.session.get(ServiceRequest, archive["printer"])
    lifecycle.assign(printer, world.dina, world.olga)
    assert found(world.olga, text="paper") == names(archive, "printer")
    assert found(world.tom, text="paper") == names(archive, "printer")  # still IT's


def test_staff_without_a_team_see_only_their_own(world, archive):
    loner = make_user("lena", "Lena Loner")
    db.session.commit()
    assert found(loner, date_from=date(2020, 1, 1)) == set()


def test_the_desk_sees_everything(world, archive):
    everything = {"door", "printer", "russian", "talked", "plain"}
    for person in (world.dina, world.mark, world.anna):
        assert found(person, date_from=date(2020, 1, 1)) == names(archive, *everything)


# ------------------------------------------------------------------------------ pages
@pytest.fixture
def many(world):
    """40 requests with 'leak' in the description and 25 with it only in a message (the two
    sorts interleaved), and noise without it; returns the ids with 'leak', newest first."""
    wanted = []
    for n in range(90):
        if n % 3 == 2:
            report(world, description=f"Noise {n}")
            continue
        in_text = n % 3 == 0 or n > 75
        req = report(world, description=f"Leak under sink {n}" if in_text else f"Request {n}")
        if not in_text:
            thread = db.session.get(Thread, req.thread_id)
            messenger.post(thread, world.olga, f"There is a leak number {n}")
            db.session.commit()
        wanted.append(req.id)
    return sorted(wanted, reverse=True)


def test_keyset_pages_have_no_duplicates_or_gaps(world, many):
    assert len(many) == 60
    seen, cursor, pages = [], None, 0
    while True:
        rows, cursor = search(world.dina, Criteria(text="leak"), cursor=cursor, limit=7)
        seen += [r.id for r in rows]
        pages += 1
        if cursor is None:
            break
    assert seen == many
    assert pages == 9


def test_pages_without_words_follow_ids_too(world, many):
    seen, cursor = [], None
    while True:
        rows, cursor = search(world.dina, Criteria(status="new"), cursor=cursor, limit=11)
        seen += [r.id for r in rows]
        if cursor is None:
            break
    everything = db.session.scalars(sa.select(ServiceRequest.id).order_by(ServiceRequest.id.desc()))
    assert seen == list(everything)


def test_a_malformed_cursor_starts_from_the_top(world, many):
    rows, _cursor = search(world.dina, Criteria(text="leak"), cursor="nonsense", limit=5)
    assert [r.id for r in rows] == many[:5]


def test_show_more_appends_the_next_page_and_works_as_a_link(world, many, signed_in):
    client = signed_in(world.dina)
    page = client.get("/search?q=leak").get_data(as_text=True)
    first = [int(i) for i in re.findall(r'id="row-(\d+)"', page)]
    assert first == many[:25]
    link = re.search(r'<a class="button more" href="([^"]+)"\s+hx-get="([^"]+)"', page)
    assert link, "no 'Show more'"
    href, fragment_url = (value.replace("&amp;", "&") for value in link.groups())
    assert href.startswith("/search?") and fragment_url.startswith("/search/results?")
    fragment = client.get(fragment_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<form" not in fragment and 'id="search-results"' not in fragment
    assert [int(i) for i in re.findall(r'id="row-(\d+)"', fragment)] == many[25:50]
    second = client.get(href).get_data(as_text=True)  # without JavaScript: the next page
    assert [int(i) for i in re.findall(r'id="row-(\d+)"', second)] == many[25:50]
    assert 'name="q"' in second and 'value="leak"' in second


# ------------------------------------------------------------------------------ the page
def test_anonymous_visitors_go_to_sign_in(client):
    for path in ("/search?q=door", "/search/results?q=door&cursor=5"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_page_lists_matching_requests(world, archive, signed_in):
    page = signed_in(world.olga).get("/search?q=door")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="row-{archive["door"]}"' in html
    assert f'id="row-{archive["printer"]}"' not in html
    assert 'href="/search"' in html  # the top bar's search link


def test_an_empty_search_shows_the_form_only(world, archive, signed_in):
    html = signed_in(world.dina).get("/search").get_data(as_text=True)
    assert 'name="q"' in html and 'id="search-results"' not in html


def test_a_number_opens_that_request(world, archive, signed_in):
    client = signed_in(world.dina)
    response = client.get(f"/search?q=%23{archive['door']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{archive['door']}")


def test_a_number_the_searcher_may_not_open_finds_nothing(world, archive, signed_in):
    response = signed_in(world.olga).get(f"/search?q=%23{archive['printer']}")
    assert response.status_code == 200
    assert f'id="row-{archive["printer"]}"' not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field", "message", "kept"),
    [
        (
            "date_from=2024-06-01&date_to=2024-05-01",
            "date_to",
            "upside down",
            'value="2024-05-01"',
        ),
        ("status=frozen&q=door", "status", "frozen", 'value="door"'),
        ("phone=12&q=door", "phone", "three digits", 'value="12"'),
        ("date_from=2024-13-45", "date_from", "date", 'value="2024-13-45"'),
        ("site=abc&place=Lenina", "site", "", 'value="Lenina"'),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_kept(
    world, archive, signed_in, query, field, message, kept
):
    response = signed_in(world.dina).get(f"/search?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    block = re.search(rf'id="field-{field}".*?</div>', html, re.S)
    assert block and 'class="error"' in block.group(0), html
    assert message in block.group(0)
    assert kept in html
    assert '<details class="search-filters" open>' in html
    assert 'id="search-results"' not in html


# ------------------------------------------------------------------------------ the indexes
def _dialect():
    return db.engine.dialect.name


def test_sqlite_full_text_table_stays_in_step(world, archive):
    if _dialect() != "sqlite":
        pytest.skip("SQLite's FTS5 table")
    fts = schema.REQUEST_FTS
    with db.engine.connect() as conn, conn.begin() as transaction:
        triggers = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        assert set(schema.SQLITE_TRIGGERS) <= set(triggers.scalars())  # batch migrations drop them
        conn.execute(sa.text(f"INSERT INTO {fts} ({fts}) VALUES ('integrity-check')"))
        rows = conn.execute(sa.text(f"SELECT rowid FROM {fts} ORDER BY rowid")).scalars()
        assert list(rows) == sorted(v for k, v in archive.items() if isinstance(v, int))
        # What the fixture does between tests (rolled back here): the index follows.
        conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
        conn.execute(sa.text("DELETE FROM messages"))
        conn.execute(sa.text("DELETE FROM service_requests"))
        conn.execute(sa.text(f"INSERT INTO {fts} ({fts}) VALUES ('integrity-check')"))
        assert conn.execute(sa.text(f"SELECT count(*) FROM {fts}")).scalar() == 0
        transaction.rollback()


def test_messages_added_together_are_all_found(world, archive):
    talked = db.session.get(ServiceRequest, archive["talked"])
    door = db.session.get(ServiceRequest, archive["door"])
    db.session.execute(  # one statement: PostgreSQL's trigger runs once for all three
        sa.insert(Message),
        [
            {"thread_id": talked.thread_id, "author_id": world.olga.id, "body": "radiator"},
            {"thread_id": talked.thread_id, "author_id": world.olga.id, "body": "thermostat"},
            {"thread_id": door.thread_id, "author_id": world.olga.id, "body": "hinges"},
        ],
    )
    db.session.commit()
    assert found(world.dina, text="radiator thermostat window") == names(archive, "talked")
    assert found(world.dina, text="hinges kitchen") == names(archive, "door")


@pytest.fixture
def plans():
    """The plans PostgreSQL makes for the statements run inside `with plans() as seen`."""
    import contextlib

    @contextlib.contextmanager
    def capture():
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().startswith("SELECT service_requests.id \nFROM"):
                statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        seen = []
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        connection = db.session.connection()
        # A handful of rows: any plan is fast, so the planner is told to leave the table
        # (and the primary key) alone, as it would for millions of rows.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
        for statement, parameters in statements:
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars()
            seen.append("\n".join(rows))
        db.session.rollback()

    return capture


@pytest.mark.parametrize(
    ("criteria", "indexes"),
    [
        ({"text": "door"}, [schema.REQUEST_TEXT_INDEX]),
        ({"text": "kitch", "status": "closed"}, [schema.REQUEST_TEXT_INDEX]),
        ({"requester": "petrov"}, [schema.REQUEST_TEXT_INDEX]),
        ({"text": "+49 30 123"}, [schema.PHONE_INDEX]),
        ({"phone": "8916"}, [schema.PHONE_INDEX]),
        ({"email": "ivan.petrov@"}, [schema.EMAIL_INDEX]),
    ],
)
def test_postgresql_answers_from_the_search_indexes(
    world, archive, plans, monkeypatch, criteria, indexes
):
    if _dialect() != "postgresql":
        pytest.skip("PostgreSQL's plans")
    # Enough older rows that a range of ids is no shortcut; the archive's come after them.
    db.session.execute(
        sa.text(
            "INSERT INTO service_requests (id, source, category_id, site_id, location_id,"
            " description, priority, status, sla_class, created_at, hold_seconds,"
            " sla_paused_seconds, labor_minutes, tracking_token, team_id)"
            " SELECT -g, 'api', :category, :site, :room, 'Filler ' || g, 'normal', 'closed',"
            " 'B', now(), 0, 0, 0, 'filler-' || g, :team FROM generate_series(1, 3000) g"
        ),
        {
            "category": world.trash.id,
            "site": world.site.id,
            "room": world.room.id,
            "team": world.cleaning.id,  # olga's: her access is no shortcut either
        },
    )
    monkeypatch.setattr(queries, "WINDOW", 2)  # both steps: the window, then the rest
    db.session.execute(sa.text("ANALYZE service_requests"))
    db.session.execute(sa.text("ANALYZE messages"))
    db.session.commit()
    with plans() as seen:
        search(world.olga, Criteria(**criteria))
    assert len(seen) == 2, seen
    plan = "\n".join(seen)
    for index in indexes:  # step 2 gathers the rows through the index
        assert f"Bitmap Index Scan on {index}" in seen[1], plan
    assert "Seq Scan on service_requests" not in plan, plan
    assert "Index Scan Backward" not in seen[1], seen[1]  # step 2 never walks the key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("двери", {"russian"}),  # stem 'двер', the start of 'дверь'
        ("закрываться", {"russian"}),  # stem 'закрыва', the start of 'закрывается'
        ("doors", {"door"}),  # stem 'door'
        ("closing", {"door"}),  # stem 'close'
    ],
)
def test_postgresql_finds_other_forms_of_a_word(world, archive, text, expected):
    if _dialect() != "postgresql":
        pytest.skip("stems come from PostgreSQL's Snowball dictionaries")
    assert found(world.dina, text=text) == names(archive, *expected)


def test_the_form_sent_with_its_defaults_counts_as_nothing_asked(world, archive, signed_in):
    client = signed_in(world.dina)
    html = client.get("/search?q=&site=0&assignee=0&status=&place=").get_data(as_text=True)
    assert 'id="search-results"' not in html
    html = client.get("/search?q=kitchen&site=0&assignee=0&status=").get_data(as_text=True)
    assert f'id="row-{archive["door"]}"' in html
    assert "More filters</summary>" in html  # no count: nothing behind it is set
    html = client.get("/search?q=kitchen&status=open&site=0").get_data(as_text=True)
    assert "More filters (1 set)" in html


def test_a_request_written_after_its_messages_finds_them(world, archive):
    # How a bulk load (bench/) may write: the discussion first, then its request.
    thread = messenger.open_thread("request")
    db.session.flush()
    messenger.post(thread, world.olga, "elevator stuck between floors")
    db.session.commit()
    db.session.execute(
        sa.insert(ServiceRequest),
        [
            {
                "source": "api",
                "category_id": world.trash.id,
                "site_id": world.site.id,
                "location_id": world.room.id,
                "description": "Loaded later",
                "tracking_token": "loaded-later",
                "thread_id": thread.id,
            }
        ],
    )
    db.session.commit()
    loaded = db.session.scalar(
        sa.select(ServiceRequest.id).where(ServiceRequest.thread_id == thread.id)
    )
    assert found(world.dina, text="elevator loaded") == {loaded}


def test_postgresql_rebuild_makes_what_the_triggers_made(world, archive):
    if _dialect() != "postgresql":
        pytest.skip("PostgreSQL's search vector")
    talked = db.session.get(ServiceRequest, archive["talked"])
    discussion.comment(talked, world.sam, "second message with words")
    lexemes = sa.text(
        "SELECT id, tsvector_to_array(search_vector) FROM service_requests ORDER BY id"
    )
    by_triggers = [(i, sorted(words)) for i, words in db.session.execute(lexemes)]
    db.session.execute(sa.text(schema.REBUILD_POSTGRESQL))
    rebuilt = [(i, sorted(words)) for i, words in db.session.execute(lexemes)]
    db.session.rollback()
    assert rebuilt == by_triggers
    assert "window" in dict(by_triggers)[archive["talked"]]


@pytest.mark.parametrize("window", [1, 3, 7])
def test_pages_are_the_same_whatever_the_window(world, many, monkeypatch, window):
    monkeypatch.setattr(queries, "WINDOW", window)
    for criteria, expected in [
        (Criteria(text="leak"), many),
        (Criteria(text="leak", status="open", site_id=world.site.id), many),
        (Criteria(text="leak number"), [i for i in many if i not in _leaks_in_text()]),
    ]:
        seen, cursor = [], None
        while True:
            rows, cursor = search(world.dina, criteria, cursor=cursor, limit=4)
            seen += [r.id for r in rows]
            if cursor is None:
                break
        assert seen == expected


def _leaks_in_text() -> set[int]:
    query = sa.select(ServiceRequest.id).where(ServiceRequest.description.startswith("Leak"))
    return set(db.session.scalars(query))


@pytest.mark.parametrize("window", [1, 10_000])
def test_a_range_that_ended_starts_its_pages_where_it_ended(
    world, archive, many, monkeypatch, window
):
    monkeypatch.setattr(queries, "WINDOW", window)
    ended = Criteria(date_to=date(2024, 6, 30), timezone="Europe/Berlin")
    rows, cursor = search(world.dina, ended, limit=2)
    assert [r.id for r in rows] == [archive["russian"], archive["printer"]]
    rows, cursor = search(world.dina, ended, cursor=cursor, limit=2)
    assert ([r.id for r in rows], cursor) == ([archive["door"]], None)
    assert found(world.dina, date_from=date(2024, 7, 1), date_to=date(2024, 7, 1)) == {
        archive["talked"]
    }
