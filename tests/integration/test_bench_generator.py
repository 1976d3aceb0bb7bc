"""The benchmark's history generator (bench/generate_requests.py): a small history, made into
a fresh database (SQLite; PostgreSQL too with WAVE_TEST_DATABASE_URL), keeps what Wave
itself keeps true of requests, their timelines and their discussions."""

import os
import re
from collections import defaultdict
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

from bench import generate_requests as generator
from wave.extensions import db
from wave.messenger.models import Message, Thread, ThreadMember
from wave.requests import due, repeats
from wave.requests.models import OPEN_STATUSES, RequestEvent, ServiceRequest

PG_URL = os.environ.get("WAVE_TEST_DATABASE_URL")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
# A quarter of a year: 300 requests are then dense enough to leave open work at the end.
ARGS = ["--requests", "300", "--places", "50", "--staff", "10", "--years", "0.25"]
ARGS += ["--seed", "7", "--now", NOW.isoformat(), "--chunk", "100"]


@pytest.fixture(
    scope="module",
    params=["sqlite"]
    + ([pytest.param("postgresql", marks=pytest.mark.postgres)] if PG_URL else []),
)
def generated(request, tmp_path_factory):
    """The app on a database the generator filled (PostgreSQL: <test database>_gen, dropped
    afterwards)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('generated') / 'history.db'}"
    else:
        parts = urlsplit(PG_URL)
        url = urlunsplit(parts._replace(path=parts.path + "_gen"))
    run = {**generator.main([url, "--drop", *ARGS]), "url": url}
    app = generator.make_app(url)
    with app.app_context():
        yield run
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        admin = sa.create_engine(
            generator._dsn(urlunsplit(parts._replace(path="/postgres"))).replace(
                "postgresql://", "postgresql+psycopg2://"
            ),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            name = urlsplit(url).path.lstrip("/")
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def history(generated):
    """Every request with its events (in id order), loaded once."""
    requests = db.session.scalars(sa.select(ServiceRequest).order_by(ServiceRequest.id)).all()
    events = defaultdict(list)
    for event in db.session.scalars(sa.select(RequestEvent).order_by(RequestEvent.id)):
        events[event.request_id].append(event)
    return requests, events


def test_the_run_made_what_was_asked(generated):
    assert generated["counts"]["service_requests"] == 300
    assert generated["counts"]["request_events"] > 5 * 300
    assert generated["counts"]["messages"] > 2 * 300
    assert 40 <= generated["counts"]["locations"] + generated["counts"]["assets"] <= 70


def test_every_request_begins_with_its_created_event(history):
    requests, events = history
    for req in requests:
        first = events[req.id][0]
        assert (first.kind, first.to_status, first.created_at) == ("created", "new", req.created_at)
        assert first.data == {"source": req.source}


def test_ids_follow_time_as_in_a_live_database(generated):
    for model in (RequestEvent, Message):
        times = db.session.scalars(sa.select(model.created_at).order_by(model.id)).all()
        assert times == sorted(times), model.__name__
    created = db.session.scalars(
        sa.select(ServiceRequest.created_at).order_by(ServiceRequest.id)
    ).all()
    assert created == sorted(created)


def test_request_times_are_in_order(history):
    for req in history[0]:
        chain = [req.created_at, req.first_response_at, req.started_at, req.resolved_at]
        chain = [t for t in chain + [req.closed_at] if t is not None]
        assert chain == sorted(chain), req.id
        assert req.created_at <= NOW


def test_status_and_times_agree(history):
    for req in history[0]:
        if req.status in ("done", "closed"):
            assert req.resolved_at is not None, req.id
        if req.status in ("closed", "cancelled"):
            assert req.closed_at is not None, req.id
        if req.status in OPEN_STATUSES:
            assert (req.resolved_at, req.closed_at) == (None, None), req.id
        if req.status == "cancelled":
            assert req.resolved_at is None and req.cancel_reason, req.id
        assert (req.status == "on_hold") == (req.hold_started_at is not None), req.id
        if req.resume_at is not None:
            assert req.status == "on_hold", req.id
        if req.status != "new" and req.status != "cancelled":
            assert req.assignee_id is not None, req.id


def test_next_due_only_on_open_work_that_is_not_on_hold(history):
    for req in history[0]:
        running = req.status in OPEN_STATUSES and req.status != "on_hold"
        assert (req.next_due_at is not None) == running, req.id


def test_due_times_are_the_ones_wave_computes(history):
    for req in history[0]:
        stored = (req.response_due_at, req.resolution_due_at, req.next_due_at)
        due.set_due_times(req)
        assert (req.response_due_at, req.resolution_due_at, req.next_due_at) == stored, req.id
    db.session.rollback()


def test_repeat_links_are_the_ones_wave_sets(history):
    links = {req.id: req.repeat_of_id for req in history[0]}
    assert sum(1 for link in links.values() if link) > 30  # 300 requests at 50 places
    assert links == {req.id: repeats.repeated(req) for req in history[0]}


def test_the_timeline_explains_the_request(history):
    requests, events = history
    for req in requests:
        timeline = events[req.id]
        changes = [e for e in timeline if e.to_status is not None]
        assert changes[-1].to_status == req.status, req.id
        times = [e.created_at for e in timeline]
        assert times == sorted(times), req.id
        answers = [e.created_at for e in timeline if e.kind in ("taken", "assigned", "reply")]
        assert req.first_response_at == (answers[0] if answers else None), req.id
        done = [e.created_at for e in changes if e.to_status == "done"]
        if req.status in ("done", "closed"):
            assert req.resolved_at == done[-1], req.id
        labor = sum(e.data["minutes"] for e in timeline if e.kind == "labor")
        assert req.labor_minutes == labor, req.id
        ratings = [e.data["rating"] for e in timeline if e.kind == "rating"]
        assert ratings == ([req.rating] if req.rating else []), req.id
        assert len({e.data.get("target") for e in timeline if e.kind == "breached"}) == len(
            [e for e in timeline if e.kind == "breached"]
        ), req.id


def test_messages_belong_to_the_threads_they_discuss(history):
    requests, events = history
    threads = {t.id: t for t in db.session.scalars(sa.select(Thread))}
    messages = {m.id: m for m in db.session.scalars(sa.select(Message))}
    by_thread = defaultdict(list)
    for message in messages.values():
        assert message.thread_id in threads
        by_thread[message.thread_id].append(message.id)
    for thread in threads.values():
        assert thread.last_message_id == max(by_thread[thread.id], default=None), thread.id
    for req in requests:
        assert threads[req.thread_id].kind == "request"
        for event in events[req.id]:
            if event.kind == "comment":
                message = messages[event.data["message_id"]]
                assert (message.thread_id, message.kind) == (req.thread_id, "text")
                assert (message.author_id, message.created_at) == (
                    event.actor_id,
                    event.created_at,
                )
        told = [m for m in by_thread[req.thread_id] if messages[m].kind == "event"]
        by_staff = [
            e for e in events[req.id] if e.actor_id and e.kind in ("taken", "assigned", "status")
        ]
        assert len(told) == len(by_staff), req.id
        if req.source == "chat":
            source = messages[req.source_message_id]
            assert threads[source.thread_id].kind == "team" and source.request_id == req.id
            assert req.submission_key == f"msg:{source.id}"


def test_finished_requests_discussions_leave_the_chat_badge(history):
    """thread_members.counted, as Wave keeps it: false in a closed or cancelled request's
    discussion, true everywhere else."""
    requests, _events = history
    finished = {r.thread_id for r in requests if r.status in ("closed", "cancelled")}
    rows = db.session.execute(sa.select(ThreadMember.thread_id, ThreadMember.counted)).all()
    assert rows and finished
    assert all(counted == (thread_id not in finished) for thread_id, counted in rows)


def test_foreign_keys_hold(generated):
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        return
    expected = sum(len(t.foreign_key_constraints) for t in db.metadata.sorted_tables)
    rows = db.session.execute(
        sa.text(
            "SELECT count(*), bool_and(convalidated) FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        )
    ).one()
    assert rows == (expected, True)


def test_the_mix_looks_like_a_building(history):
    requests, events = history
    statuses = {r.status for r in requests}
    assert {"closed", "cancelled"} <= statuses
    assert statuses & {"new", "assigned", "in_progress", "on_hold"}
    assert {r.source for r in requests} >= {"qr", "desk", "chat", "schedule"}
    kinds = {e.kind for timeline in events.values() for e in timeline}
    assert kinds >= {"created", "taken", "assigned", "status", "comment", "labor", "breached"}
    assert kinds >= {"escalated", "rating", "reply"}
    assert len({r.tracking_token for r in requests}) == len(requests)
    assert all(len(r.tracking_token) == 32 for r in requests)
    phones = [r.requester_phone for r in requests if r.requester_phone]
    assert phones and all(re.fullmatch(r"[+0-9][0-9 ()+\-]{6,}(, доб\. \d+)?", p) for p in phones)
    emails = [r.requester_email for r in requests if r.requester_email]
    assert emails and all(re.fullmatch(r"[a-z0-9.]+@[a-z0-9.-]+\.example", e) for e in emails)
    assert {r.requester_locale for r in requests} == {"ru", "en"}


def test_new_rows_continue_after_the_largest_ids(generated):
    largest = db.session.scalar(sa.select(sa.func.max(Message.id)))
    req = db.session.get(ServiceRequest, 1)
    thread = Thread(kind="direct")
    db.session.add(thread)
    db.session.flush()
    message = Message(thread_id=thread.id, author_id=1, body="one more")
    event = RequestEvent(request_id=req.id, kind="comment", data={})
    db.session.add_all([message, event])
    db.session.flush()
    assert message.id == largest + 1
    db.session.rollback()


def test_the_reports_benchmark_runs_on_the_history(generated):
    """bench/reports_bench.py answers every page it times and, on PostgreSQL, its
    hand-written SQL gives the same figures as Wave's reports (it stops if not)."""
    from bench import reports_bench

    run = reports_bench.main([generated["url"], "--runs", "1"])
    cases = run["cases"]
    assert {c.group for c in cases} == {"inbox", "deep", "search", "reports", "report pages"}
    assert all(len(c.samples) == 1 and c.first is not None for c in cases)
    assert all(c.rows is not None for c in cases if c.group in ("inbox", "search"))
    baselines = [c for c in cases if c.name.endswith(": baseline")]
    assert len(baselines) == (12 if generated["url"].startswith("postgresql") else 0)
    for target in ("Inbox first pages", "Searches", "Deep pages", "Each report"):
        assert f"- {target}" in run["text"]
