"""Two real server processes share chat events through Redis (Flask-SocketIO's message
queue): a message posted through one reaches a client connected to the other.

Needs Redis (WAVE_TEST_REDIS_URL, default redis://127.0.0.1:6379/13): skipped without it,
except under CI, where a missing Redis fails the run instead of letting it go green.
"""

import os
import queue
import re
import subprocess
import sys
import time
from contextlib import ExitStack

import pytest
import redis
import requests
import socketio

from tests.conftest import ROOT, SECRET, free_port
from wave.messenger import chats

REDIS_URL = os.environ.get("WAVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
WAIT = 10


@pytest.fixture
def redis_url():
    """The tests' own Redis database, emptied before and after."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"no Redis at {REDIS_URL}: CI must run the two-process test", False)
        pytest.skip(f"no Redis at {REDIS_URL} (start one, or set WAVE_TEST_REDIS_URL)")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def two_servers(app, test_config, redis_url, tmp_path):
    """Two `python -m wave serve` processes on one database and one Redis; their base URLs."""
    with ExitStack() as stack:
        bases = [stack.enter_context(_server(n, test_config, redis_url, tmp_path)) for n in (1, 2)]
        yield bases


class _server:
    def __init__(self, number, test_config, redis_url, tmp_path):
        self.port = free_port()
        self.log_path = tmp_path / f"server{number}.log"
        self.env = {
            **os.environ,
            "WAVE_DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
            "WAVE_SECRET_KEY": SECRET,
            "WAVE_UPLOAD_FOLDER": test_config["WAVE_UPLOAD_FOLDER"],
            "WAVE_REDIS_URL": redis_url,
            "WAVE_PORT": str(self.port),
            "WAVE_HOST": "127.0.0.1",
            "WAVE_LOGIN_LIMIT": "1000 per minute",
        }

    def __enter__(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wave", "serve"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                requests.get(base + "/login", timeout=1)
                return base
            except requests.ConnectionError:
                time.sleep(0.2)
        self.__exit__()
        pytest.fail("server did not start:\n" + self.log_path.read_text())

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = session.post(
        base + "/login",
        data={"username": username, "password": "pw", "csrf_token": csrf},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    return session


@pytest.fixture
def listen():
    """listen(base, session) → a queue of (event, payload) from a Socket.IO client of that
    signed-in session, connected to that server."""
    clients = []

    def make(base, session):
        events = queue.Queue()
        client = socketio.Client(reconnection=False)
        client.on("*", lambda event, data: events.put((event, data)))
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        client.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5)
        clients.append(client)
        return events

    yield make
    for client in clients:
        client.disconnect()


def test_a_message_sent_through_one_process_reaches_a_client_of_the_other(
    world, two_servers, listen
):
    group = chats.create_group(world.olga, "Night shift", [world.sam])
    first, second = two_servers
    sam, olga, tom = sign_in(first, "sam"), sign_in(second, "olga"), sign_in(second, "tom")
    olga_hears, tom_hears = listen(second, olga), listen(second, tom)
    page = sam.get(f"{first}/chats/{group.id}").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    response = sam.post(
        f"{first}/chats/{group.id}/messages",
        data={"body": "Across processes", "client_id": "cross-1", "csrf_token": csrf},
        headers={"HX-Request": "true", "X-CSRFToken": csrf},
    )
    assert response.status_code == 200, response.text[:300]
    message_id = int(re.search(r'id="message-(\d+)"', response.text).group(1))

    event, payload = olga_hears.get(timeout=WAIT)
    assert event == "chat-message-posted"
    assert (payload["thread_id"], payload["message_id"]) == (group.id, message_id)
    assert payload["text"]["body"] == "Across processes"  # drawn from the event, through Redis
    fetched = olga.get(f"{second}/chats/{group.id}/messages?after=0", headers={"HX-Request": "1"})
    assert "Across processes" in fetched.text
    with pytest.raises(queue.Empty):
        tom_hears.get(timeout=1)  # an outsider on the same process hears nothing
