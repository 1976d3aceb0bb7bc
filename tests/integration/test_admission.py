"""At most WAVE_ACTIVE_REQUESTS requests work at once (wave/web/admission.py); the others
wait their turn, and a turn is always given back."""

import threading
import time

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from wave.extensions import db
from wave.requests.models import ServiceRequest


@pytest.fixture
def config_overrides():
    return {"WAVE_ACTIVE_REQUESTS": 2}


@pytest.fixture
def gate(app):
    """A page that works until the test lets it finish; who is inside it, in order."""
    inside, opened = [], threading.Event()

    def held(name):
        inside.append(name)
        opened.wait(10)
        return name

    app.add_url_rule("/test/held/<name>", "held", held)
    return inside, opened


def waits_until(condition, seconds=5.0):
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)
    return condition()


def test_a_third_request_waits_for_a_turn(app, gate):
    inside, opened = gate
    answers = {}

    def ask(name):
        answers[name] = app.test_client().get(f"/test/held/{name}").get_data(as_text=True)

    first = [threading.Thread(target=ask, args=(n,), daemon=True) for n in ("a", "b")]
    for thread in first:
        thread.start()
    assert waits_until(lambda: len(inside) == 2)
    late = threading.Thread(target=ask, args=("c",), daemon=True)
    late.start()
    time.sleep(0.3)
    assert inside == ["a", "b"] or inside == ["b", "a"]  # c waits outside

    opened.set()
    for thread in [*first, late]:
        thread.join(10)
    assert sorted(inside) == ["a", "b", "c"] and answers == {"a": "a", "b": "b", "c": "c"}


def test_turns_come_back_after_errors_and_refusals(app, client, world):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/test/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    # One of each (two turns in all): a leaked turn shows below instead of blocking here.
    assert client.get("/test/broken").status_code == 500
    assert client.post("/q/RM000001", data={"description": "no token"}).status_code == 400
    assert client.get("/q/NOSUCHCODE").status_code == 404
    slots = app.extensions["wave_admission"]
    assert slots.acquire(timeout=1) and slots.acquire(timeout=1)  # both turns are free
    slots.release()
    slots.release()
    page = client.get("/q/RM000001").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(page), "category": str(world.trash.id), "description": "x"}
    assert client.post("/q/RM000001", data=fields).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 1


def test_no_limit_when_set_to_zero(app, test_config):
    from wave import create_app

    unlimited = create_app({**test_config, "WAVE_ACTIVE_REQUESTS": 0})
    assert "wave_admission" not in unlimited.extensions
    assert "wave_admission" in app.extensions
