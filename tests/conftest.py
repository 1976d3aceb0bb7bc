"""Fixtures: a migrated database (SQLite, or PostgreSQL from WAVE_TEST_DATABASE_URL), an app
per test with every table emptied afterwards, named personas, and helpers to act as them."""

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy import event

from tests.builders import World, build_world
from wave import create_app
from wave.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("WAVE_TEST_DATABASE_URL")
SECRET = "test-secret-" + secrets.token_hex(8)

# Statistics of a test's few rows would steer SQLite's plans, which tests check, away from the
# indexes a full building uses: no worker here gathers them, in this process or in the servers
# and workers the tests start (they inherit the environment).
os.environ["WAVE_SQLITE_STATISTICS"] = "0"


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The test database: created for this run and dropped afterwards."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'wave-test.db'}"
        return
    name = urlsplit(PG_URL).path.lstrip("/")
    admin = sa.create_engine(
        _admin_url(PG_URL).replace("postgresql://", "postgresql+psycopg2://"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_URL
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def upload_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="session")
def test_config(database_url, upload_dir):
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WAVE_UPLOAD_FOLDER": str(upload_dir),
        "WAVE_SUBMIT_LIMIT_PER_ADDRESS": "1000 per minute",
        "WAVE_SUBMIT_LIMIT_PER_CODE": "1000 per minute",
        "WAVE_LOGIN_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "WAVE_REDIS_URL": None,
        "WAVE_SMTP_HOST": None,  # a developer's exported mail server never gets test mail
        # Pushes and e-mails wait for the test to send them: a background sender would run
        # its queries in the middle of whatever the test measures next.
        "WAVE_DELIVER_AFTER_COMMIT": False,
        "WAVE_PUSH_SERVICES": ("fcm.googleapis.com", "push.example.net", "127.0.0.1"),
    }


@pytest.fixture(scope="session")
def _migrated(test_config):
    app = create_app(test_config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _empty_tables()  # what migrations seed (default escalation rules): tests start empty
        db.engine.dispose()


@pytest.fixture
def config_overrides():
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(_migrated, test_config, config_overrides):
    """A Wave app on the migrated test database; every table is emptied after the test."""
    app = create_app({**test_config, **config_overrides})

    def _fresh_g():
        # Requests reuse the test's app context, so g would carry the previous request's
        # user and CSRF token into the next one, even from another client.
        for key in list(g):
            g.pop(key)

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)  # before CSRF, limits

    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables():
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # A connection a test left in a transaction fails the run instead of hanging it.
            conn.execute(sa.text("SET LOCAL lock_timeout = '15s'"))
            if conn.execute(sa.text("SHOW is_superuser")).scalar() != "on":
                # Turning the foreign keys' triggers off (below) takes a superuser.
                listed = ", ".join(tables)
                conn.execute(sa.text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
                return
            # DELETE, not TRUNCATE: TRUNCATE gives every table new files, ~270 ms a test on
            # a slow machine against ~15 ms (a quarter of the PostgreSQL run). Every row goes,
            # so the foreign keys' triggers are off meanwhile (messages and requests point at
            # each other); the sequences start again at 1, as RESTART IDENTITY did.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for name in reversed(tables):
                conn.execute(sa.text(f"DELETE FROM {name}"))
            conn.execute(
                sa.text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c"
                    " WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
                )
            )
        else:
            # Messages and requests point at each other (cards, source messages): checked
            # at commit, when both sides are gone.
            conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
            for name in reversed(tables):
                conn.execute(sa.text(f"DELETE FROM {name}"))


@pytest.fixture
def world(app) -> World:
    """One small building with named people: see tests/builders.py."""
    return build_world()


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = "pw") -> None:
    """Sign in through the real form."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def token(client, path: str = "/settings") -> str:
    """A CSRF token valid for this (signed-in) client's session."""
    return csrf_from(client.get(path).get_data(as_text=True))


@contextlib.contextmanager
def executed(containing: str):
    """The (statement, parameters) sent while the block runs whose SQL holds `containing`,
    e.g. to EXPLAIN them afterwards."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if containing in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@contextlib.contextmanager
def read_after_commit():
    """The SQL statements sent after the block's last commit: what an answer read back."""
    after, commits = [], []

    def record(conn, cursor, statement, *args):
        after.append(statement)

    def committed(conn):
        commits.append(conn)
        after.clear()  # only what follows the last commit counts

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "commit", committed)
    try:
        yield after
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "commit", committed)
    assert commits


@pytest.fixture
def statements(app):
    """The SQL statements run while the test looks; clear() between looks."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def signed_in(app):
    """signed_in(user) → a test client signed in as that user."""

    def make(user):
        c = app.test_client()
        login(c, user.username)
        return c

    return make


# ---------------------------------------------------------------- Redis
REDIS_URL = os.environ.get("WAVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_url():
    """The tests' own Redis database, emptied before and after; CI must have it."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"no Redis at {REDIS_URL}: CI must run the tests that need it", False)
        pytest.skip(f"no Redis at {REDIS_URL} (start one, or set WAVE_TEST_REDIS_URL)")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


# ---------------------------------------------------------------- live server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server_env():
    """Extra environment for the live server (override in a module: Redis, say)."""
    return {}


@pytest.fixture
def live_server(app, test_config, tmp_path, live_server_env):
    """`python -m wave serve` in a subprocess on this test's database; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "WAVE_DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
        "WAVE_SECRET_KEY": SECRET,
        "WAVE_UPLOAD_FOLDER": test_config["WAVE_UPLOAD_FOLDER"],
        "WAVE_PORT": str(port),
        "WAVE_HOST": "127.0.0.1",
        "WAVE_SUBMIT_LIMIT_PER_ADDRESS": "1000 per minute",
        "WAVE_SUBMIT_LIMIT_PER_CODE": "1000 per minute",
        "WAVE_LOGIN_LIMIT": "1000 per minute",
    }
    env.pop("WAVE_REDIS_URL", None)
    env.update(live_server_env)
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wave", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
    if proc.poll() is not None:
        pytest.fail("server did not start:\n" + (tmp_path / "server.log").read_text())
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


class FrozenClock:
    """Wave's now() stopped at a moment the test chooses, moved only when the test says."""

    def __init__(self):
        self.moment = None

    def at(self, moment):
        from wave.timeutil import set_clock

        self.moment = moment
        set_clock(lambda: self.moment)
        return moment

    def advance(self, **delta):
        from datetime import timedelta

        self.moment = self.moment + timedelta(**delta)
        return self.moment


@pytest.fixture
def frozen():
    """frozen.at(aware datetime) stops Wave's clock; frozen.advance(minutes=…) moves it."""
    from wave.timeutil import set_clock

    clock = FrozenClock()
    yield clock
    set_clock(None)


def at_once(app, work, times: int = 2, timeout: float = 60) -> tuple[list, list]:
    """Runs work() in `times` threads released at the same moment, each with its own app
    context (its own session and database connection), as racing processes would.
    Returns (what each returned, what each raised): a thread's exception is not lost."""
    start = threading.Barrier(times, timeout=timeout)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                start.wait()
                results.append(work())
            except Exception as exc:  # reported to the caller, in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results, errors
