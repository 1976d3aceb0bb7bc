"""Two staff tap "Take" at the same moment: exactly one wins, on real concurrent connections."""

import os
import threading

import pytest
from sqlalchemy import func, select

from tests.builders import report
from wave.extensions import db
from wave.requests import lifecycle, services
from wave.requests.lifecycle import AlreadyTaken
from wave.requests.models import RequestEvent, ServiceRequest


def test_simultaneous_takes_have_exactly_one_winner(app, world):
    req = report(world)
    people = [world.olga.id, world.sam.id, world.dina.id, world.mark.id]
    request_id = req.id  # read here: sessions are per thread
    barrier = threading.Barrier(len(people), timeout=20)
    outcomes = {}

    def attempt(user_id):
        # Each thread has its own app context, session and database connection.
        with app.app_context():
            from wave.auth.models import User

            user = db.session.get(User, user_id)
            mine = db.session.get(ServiceRequest, request_id)
            barrier.wait()
            try:
                lifecycle.take(mine, user)
                outcomes[user_id] = "won"
            except AlreadyTaken as lost:
                outcomes[user_id] = lost.holder.id
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [uid for uid, outcome in outcomes.items() if outcome == "won"]
    assert len(outcomes) == len(people) and len(winners) == 1
    assert all(outcome == winners[0] for outcome in outcomes.values() if outcome != "won")
    db.session.expire_all()
    assert db.session.get(ServiceRequest, req.id).assignee_id == winners[0]
    taken = db.session.scalar(
        select(func.count(RequestEvent.id)).where(RequestEvent.kind == "taken")
    )
    assert taken == 1


def test_concurrent_retries_of_one_submission_make_one_request(app, world):
    barrier = threading.Barrier(3, timeout=20)
    numbers = []
    tag_id, category_id = world.room_tag.id, world.trash.id  # read here: sessions are per thread

    def submit():
        with app.app_context():
            from wave.qr.models import QrTag
            from wave.requests.models import Category

            tag, category = db.session.get(QrTag, tag_id), db.session.get(Category, category_id)
            barrier.wait()
            req, _ = services.submit_from_tag(
                tag,
                category=category,
                description="x",
                photos=[],
                contact={},
                submission_key="same-key",
            )
            numbers.append(req.id)
            db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(numbers) == 3 and len(set(numbers)) == 1
    assert db.session.scalar(select(func.count(ServiceRequest.id))) == 1


@pytest.mark.skipif(
    not os.environ.get("WAVE_TEST_DATABASE_URL"),
    reason="SQLite writes one transaction at a time; Wave's one process submits one at a time",
)
def test_simultaneous_reports_of_one_thing_link_as_repeats(app, world):
    """Four tenants report the full bin in the same moment: each report links to the one
    before it, as if they had come one after another (the repeat failures report counts them)."""
    people = 4
    barrier = threading.Barrier(people, timeout=20)
    tag_id, category_id = world.room_tag.id, world.trash.id

    def submit(i):
        with app.app_context():
            from wave.qr.models import QrTag
            from wave.requests.models import Category

            tag, category = db.session.get(QrTag, tag_id), db.session.get(Category, category_id)
            barrier.wait()
            services.submit_from_tag(
                tag,
                category=category,
                description=f"Full bin ({i})",
                photos=[],
                contact={},
                submission_key=f"tenant-{i}",
            )
            db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    db.session.expire_all()
    made = db.session.scalars(
        select(ServiceRequest).order_by(ServiceRequest.created_at, ServiceRequest.id)
    ).all()
    assert len(made) == people
    assert [r.repeat_of_id for r in made[1:]] == [r.id for r in made[:-1]]


@pytest.mark.skipif(
    not os.environ.get("WAVE_TEST_DATABASE_URL"), reason="PostgreSQL's pool and sessions"
)
def test_a_burst_beyond_the_pool_waits_for_its_connections_instead_of_opening_more(
    app, test_config
):
    """A connection opened beyond the pool for one request and closed after it is a new
    PostgreSQL session each time (bench/RESULTS.md: that churn cost PostgreSQL 0.2 cores
    under overload). By default a process keeps WAVE_DB_POOL_SIZE and adds none."""
    from wave import create_app

    small = create_app({**test_config, "WAVE_DB_POOL_SIZE": 3})
    busy = threading.Barrier(3, timeout=20)
    backends, failures = [], []

    def request_like():
        with small.app_context():
            try:
                backends.append(db.session.scalar(select(func.pg_backend_pid())))
                busy.wait()  # three hold their connections at once; three more wait
                db.session.execute(select(func.pg_sleep(0.05)))
            except Exception as error:  # noqa: BLE001 (reported below)
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=request_like) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with small.app_context():
        db.engine.dispose()
    assert failures == [] and len(backends) == 6
    assert len(set(backends)) == 3  # six requests, three sessions
