"""Tenant pages work at most WAVE_ACTIVE_TENANT_REQUESTS at once (wave/web/admission.py); the
others wait their turn, a turn is always given back, and staff pages never wait."""

import threading
import time

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from wave.extensions import db
from wave.requests import public
from wave.requests.models import ServiceRequest

SLOTS = "wave_tenant_turns"


@pytest.fixture
def config_overrides():
    return {"WAVE_ACTIVE_TENANT_REQUESTS": 2}


@pytest.fixture
def held_form(app, monkeypatch):
    """The tenant form renders only when the test lets it; who has got in, in order."""
    inside, opened = [], threading.Event()
    render = public._render_form

    def held(tag, form, *args, **kwargs):
        inside.append(threading.current_thread().name)
        opened.wait(10)
        return render(tag, form, *args, **kwargs)

    monkeypatch.setattr(public, "_render_form", held)
    return inside, opened


def waits_until(condition, seconds=5.0):
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)
    return condition()


def test_a_third_tenant_waits_for_a_turn_while_staff_pages_do_not(app, held_form, signed_in, world):
    inside, opened = held_form
    statuses = {}

    def scan(name):
        statuses[name] = app.test_client().get("/q/RM000001").status_code

    first = [threading.Thread(target=scan, args=(n,), name=n, daemon=True) for n in "ab"]
    for thread in first:
        thread.start()
    assert waits_until(lambda: len(inside) == 2)
    late = threading.Thread(target=scan, args=("c",), name="c", daemon=True)
    late.start()
    time.sleep(0.3)
    assert sorted(inside) == ["a", "b"]  # c waits outside
    # Both turns are taken; a staff page is served meanwhile.
    assert signed_in(world.dina).get("/inbox").status_code == 200

    opened.set()
    for thread in [*first, late]:
        thread.join(10)
    assert sorted(inside) == ["a", "b", "c"] and statuses == {"a": 200, "b": 200, "c": 200}


def test_turns_come_back_after_errors_and_refusals(app, client, world, monkeypatch):
    slots = app.extensions[SLOTS]

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with monkeypatch.context() as patched:
        patched.setattr(public, "_render_form", broken)
        assert client.get("/q/RM000001").status_code == 500
    assert client.post("/q/RM000001", data={"description": "no token"}).status_code == 400
    assert client.get("/q/NOSUCHCODE").status_code == 404
    # Both turns are free: a leaked one shows here instead of blocking the next request.
    assert slots.acquire(timeout=1) and slots.acquire(timeout=1)
    slots.release()
    slots.release()
    page = client.get("/q/RM000001").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(page), "category": str(world.trash.id), "description": "x"}
    assert client.post("/q/RM000001", data=fields).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 1


class TestRateLimited:
    @pytest.fixture
    def config_overrides(self):
        return {"WAVE_ACTIVE_TENANT_REQUESTS": 2, "WAVE_SUBMIT_LIMIT_PER_ADDRESS": "1 per day"}

    def test_a_submission_refused_by_its_rate_limit_waits_for_no_turn(self, app, client, world):
        slots = app.extensions[SLOTS]
        page = client.get("/q/RM000001").get_data(as_text=True)
        fields = {"csrf_token": csrf_from(page), "category": str(world.trash.id)}
        assert client.post("/q/RM000001", data={**fields, "description": "Bin"}).status_code == 303
        statuses = []
        assert slots.acquire(timeout=1) and slots.acquire(timeout=1)  # every turn taken
        try:
            again = threading.Thread(
                target=lambda: statuses.append(
                    client.post("/q/RM000001", data={**fields, "description": "Bin!"}).status_code
                ),
                daemon=True,
            )
            again.start()
            again.join(5)
            assert statuses == [429]  # told at once, not after waiting for a turn
        finally:
            slots.release()
            slots.release()


def test_no_limit_when_set_to_zero(app, test_config):
    from wave import create_app

    unlimited = create_app({**test_config, "WAVE_ACTIVE_TENANT_REQUESTS": 0})
    assert SLOTS not in unlimited.extensions
    assert SLOTS in app.extensions
