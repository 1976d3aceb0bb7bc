"""Messenger fan-out: Wave's chats against a bare Flask-SocketIO room broadcast.

    PYTHONPATH=. .venv/bin/python bench/chat_bench.py [--database sqlite|postgresql|both]

Both apps are served by the production command (gunicorn -k gevent -w 1) on this machine,
one process each and then two processes each sharing Redis; signed-in Socket.IO clients
(bench/chat_clients.py, in worker processes) listen while senders in this process post
messages over HTTP as chat.js does. Rounds alternate Wave and bare. The summary is printed,
the raw figures go to bench/out/, and a run section is added under "# Messenger" at the top of
bench/RESULTS.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from chat_clients import ClientPool, HttpConnection, HttpSender  # noqa: E402
from submit_bench import (  # noqa: E402
    GUNICORN,
    PYTHON,
    Server,
    base_machine,
    code_version,
    command_version,
    free_port,
    machine_busy,
    percentiles,
    pg_execute,
    postgres_cpu,
    proc_cpu,
    wait_quiet,
)

OUT = BENCH / "out"
RESULTS = BENCH / "RESULTS.md"
MARKER = "<!-- runs: chat_bench.py adds each run below this line, newest first -->"
PY_SPY = BENCH / ".venv" / "bin" / "py-spy"
PG_DB = "wave_chat_bench"
PASSWORD = "bench-chat-password"
LOGIN_LIMIT = "1000000 per minute"
NOISE_CORES = 0.3  # other work on the machine above this disturbs a measurement

TARGET_RATIO = 0.6
TARGET_P99_MS = 100.0
TARGET_P99_RATIO = 1.5
TARGET_SCALING = 1.5

TEXT = "The bin next to the lifts on floor 3 is full again, could someone take it? #{n}"

SEED_SCRIPT = """
import json, sys
from werkzeug.security import generate_password_hash
from wave import create_app
from wave.auth import services as people
from wave.extensions import db
from wave.messenger import chats
members, small = int(sys.argv[1]), int(sys.argv[2])
app = create_app()
with app.test_request_context():  # password links are URLs
    # One cheap hash for all (sign-in is not what is measured; 200 scrypt checks would cost
    # the server ~15 s of CPU before every run).
    password_hash = generate_password_hash(sys.argv[3], method="pbkdf2:sha256:1000")
    users = []
    for i in range(1, members + 1):
        user, _link = people.create_user(
            username=f"bench{i:03d}", display_name=f"Bench Person {i:03d}", role="staff"
        )
        user.password_hash = password_hash
        users.append(user)
    db.session.commit()
    big = chats.create_group(users[0], f"Everyone ({members})", users[1:])
    little = chats.create_group(users[0], f"Floor team ({small})", users[1:small])
    print("SEED " + json.dumps({
        "users": [[u.id, u.username] for u in users], "big": big.id, "small": little.id,
    }))
"""


def log(*args):
    print(*args, flush=True)


# ---------------------------------------------------------------- the machine


def machine_info() -> dict:
    def package(name):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    redis = command_version(["redis-server", "--version"])
    found = re.search(r"v=(\S+)", redis)
    return {
        **base_machine(),
        "packages": {
            name: package(name)
            for name in (
                "gunicorn",
                "gevent",
                "Flask-SocketIO",
                "python-socketio",
                "python-engineio",
                "simple-websocket",
                "wsproto",
                "SQLAlchemy",
            )
        },
        "redis": found.group(1) if found else redis,
    }


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


class Meter:
    """Cores used while a block runs: per group of processes, PostgreSQL, the rest."""

    def __init__(self, groups: dict[str, list[int]], with_postgres: bool):
        self.groups = groups
        self.with_postgres = with_postgres

    def _sample(self):
        cpu = {name: sum(proc_cpu(p) for p in pids) for name, pids in self.groups.items()}
        cpu["postgres"] = postgres_cpu() if self.with_postgres else 0.0
        return cpu, machine_busy(), time.monotonic()

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        (cpu0, busy0, t0), (cpu1, busy1, t1) = self.start, self._sample()
        wall = t1 - t0
        used = {name: (cpu1[name] - cpu0[name]) / wall for name in cpu0}
        busy = (busy1 - busy0) / wall
        self.cores = {name: round(v, 2) for name, v in used.items()}
        self.cores["machine"] = round(busy, 2)
        self.cores["other"] = round(max(0.0, busy - sum(used.values())), 2)
        return False


# ---------------------------------------------------------------- Redis, databases, servers


class PrivateRedis:
    """A redis-server of our own on a free port: Redis pub/sub ignores database numbers, so
    on the shared Redis our events and other Wave processes' (tests use db 13) would meet."""

    def __init__(self, url: str | None, tmp: Path):
        self.proc = None
        self.url = url
        if url is None:
            port = free_port()
            self.proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(tmp),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.url = f"redis://127.0.0.1:{port}/0"
        self._wait()
        self.flush()

    def _wait(self):
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def flush(self):
        import redis

        redis.Redis.from_url(self.url).flushdb()

    def stop(self):
        if self.proc is None:
            self.flush()
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def snapshot(dest: Path) -> Path:
    """A copy of the app as it is in the checkout now, served instead of the checkout, so
    that commits landing during the run cannot mix two versions into one set of figures."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("wave", "migrations"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    (dest / "bench").mkdir()
    for name in ("bare_socketio_app.py", "wave_variants.py"):
        shutil.copy(BENCH / name, dest / "bench" / name)
    return dest


def prepare_database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'wave.db'}"
    pg_execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    pg_execute(f"CREATE DATABASE {PG_DB}")
    return f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"


def drop_database(kind: str):
    if kind == "postgresql":
        pg_execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def base_env() -> dict:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WAVE_", "BENCH_")) and k != "PYTHONPATH"
    }


def wave_env(database_url: str, tmp: Path, secret: str, redis_url: str | None) -> dict:
    env = base_env()
    env.update(
        {
            "WAVE_DATABASE_URL": database_url,
            "WAVE_SECRET_KEY": secret,
            "WAVE_UPLOAD_FOLDER": str(tmp / "uploads"),
            "WAVE_LOGIN_LIMIT": LOGIN_LIMIT,
        }
    )
    if redis_url:
        env["WAVE_REDIS_URL"] = redis_url
    return env


def seed(env: dict, app_dir: Path, members: int, small: int) -> dict:
    def run(*cmd):
        out = subprocess.run([PYTHON, *cmd], cwd=app_dir, env=env, capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"{cmd[0]} {cmd[1][:40]!r} failed:\n{out.stderr[-3000:]}")
        return out.stdout

    run("-m", "wave", "migrate")
    out = run("-c", SEED_SCRIPT, str(members), str(small), PASSWORD)
    return json.loads(out.split("SEED ", 1)[1])


# ---------------------------------------------------------------- signing in

_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]*)"')
_CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]*)"')


async def _http(port: int, method: str, path: str, cookie: str = "", form: dict | None = None):
    conn = await HttpConnection.open(port)
    try:
        body = urlencode(form).encode() if form is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        if form is not None:
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        status, headers, answer = await conn.exchange(head.encode() + body)
    finally:
        conn.close()
    set_cookie = headers.get("set-cookie", "")
    return status, set_cookie.split(";", 1)[0] if set_cookie else "", answer.decode()


async def sign_in_all(port: int, usernames: list[str], thread_id: int) -> list[dict]:
    """Each person signs in at /login as a browser does, then opens the chat's page for the
    CSRF token chat.js sends; returns their cookie and token."""
    room = asyncio.Semaphore(8)

    async def one(username):
        async with room:
            status, cookie, page = await _http(port, "GET", "/login")
            token = _CSRF_FIELD.search(page)
            if status != 200 or not cookie or not token:
                raise RuntimeError(f"GET /login: {status}")
            form = {"csrf_token": token.group(1), "username": username, "password": PASSWORD}
            status, signed_in, _ = await _http(port, "POST", "/login", cookie, form)
            if status not in (302, 303) or not signed_in:
                raise RuntimeError(f"POST /login as {username}: {status}")
            status, again, page = await _http(port, "GET", f"/chats/{thread_id}", signed_in)
            token = _CSRF_HEADER.search(page)
            if status != 200 or not token:
                raise RuntimeError(f"GET /chats/{thread_id} as {username}: {status}")
            return {"username": username, "cookie": again or signed_in, "csrf": token.group(1)}

    return list(await asyncio.gather(*(one(u) for u in usernames)))


def bare_people(count: int) -> list[dict]:
    """The bare app's people: a cookie naming them and a CSRF token in a cookie, as a form
    page would have set them."""
    people = []
    for i in range(1, count + 1):
        token = secrets.token_urlsafe(24)
        people.append(
            {"username": f"bare{i}", "cookie": f"bare_user={i}; bare_csrf={token}", "csrf": token}
        )
    return people


# ---------------------------------------------------------------- load


async def saturate(ports, senders, thread_id, seconds, warmup, tag):
    """Closed loop: each sender posts its next message as soon as the last one is answered.
    Returns [(message id, sent at, answered at, status)] and the measured window."""
    results, errors = [], Counter()
    start = time.monotonic()
    stop = start + warmup + seconds
    path = f"/chats/{thread_id}/messages"

    async def sender(k, person):
        http = HttpSender(ports[k % len(ports)])
        i = 0
        while time.monotonic() < stop:
            t = time.monotonic()
            try:
                status, mid = await http.post(
                    path, person["cookie"], person["csrf"], f"{tag}-{k}-{i}", TEXT.format(n=i)
                )
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[f"{type(exc).__name__}: {exc}"[:80]] += 1
                http.close()
                http = HttpSender(ports[k % len(ports)])
                continue
            finally:
                i += 1
            results.append((mid, t, time.monotonic(), status))
        http.close()

    await asyncio.gather(*(sender(k, p) for k, p in enumerate(senders)))
    return results, (start + warmup, stop), dict(errors)


async def open_loop(ports, authors, thread_id, rate, seconds, warmup, tag):
    """Open loop, Poisson arrivals at `rate`: message i is planned at its time whatever the
    server does, and measured from that time (no coordinated omission)."""
    rng = random.Random(11)
    results, errors = [], Counter()
    senders = [HttpSender(p) for p in ports]
    path = f"/chats/{thread_id}/messages"

    async def one(i, planned):
        person = authors[i % len(authors)]
        http = senders[i % len(senders)]
        try:
            status, mid = await http.post(
                path, person["cookie"], person["csrf"], f"{tag}-{i}", TEXT.format(n=i)
            )
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors[f"{type(exc).__name__}: {exc}"[:80]] += 1
            return
        results.append((mid, planned, time.monotonic(), status))

    start = time.monotonic() + 0.05
    stop = start + warmup + seconds
    planned, i, tasks = start, 0, []
    while planned < stop:
        delay = planned - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, planned)))
        i += 1
        planned += rng.expovariate(rate)
    _, pending = await asyncio.wait(tasks, timeout=30)
    for task in pending:
        task.cancel()
    if pending:
        errors["unanswered after 30 s"] += len(pending)
    for http in senders:
        http.close()
    return results, (start + warmup, stop), dict(errors)


def drain(pool: ClientPool, expected: int, limit: float = 30.0) -> float:
    """Waits until the listeners have every delivery expected, or none came for 3 s."""
    t0 = time.monotonic()
    last, last_change = -1, t0
    while time.monotonic() - t0 < limit:
        got = pool.count()
        if got >= expected:
            break
        if got != last:
            last, last_change = got, time.monotonic()
        elif time.monotonic() - last_change > 3:
            break
        time.sleep(0.1)
    return round(time.monotonic() - t0, 2)


def analyse(sent, window, collected, clients: int, mode: str) -> dict:
    w0, w1 = window
    span = w1 - w0
    ok = {mid: t for mid, t, _answered, status in sent if status == 200 and mid is not None}
    statuses = Counter(status for *_, status in sent)
    in_window = {mid for mid, t in ok.items() if w0 <= t < w1}
    answered_in_window = sum(1 for mid, _t, a, s in sent if s == 200 and w0 <= a < w1)
    post_ms = [(a - t) * 1000 for mid, t, a, s in sent if s == 200 and w0 <= t < w1]
    per_message = Counter()
    delivered_in_window = 0
    latency_ms = []
    for part in collected:
        for mid, t in zip(part["ids"], part["times"], strict=True):
            per_message[mid] += 1
            if w0 <= t < w1:
                delivered_in_window += 1
            if mid in in_window:
                latency_ms.append((t - ok[mid]) * 1000)
    missing = sum(max(0, clients - per_message[mid]) for mid in ok)
    unknown = sum(n for mid, n in per_message.items() if mid not in ok)
    return {
        "mode": mode,
        "window_s": round(span, 2),
        "messages_sent": len(sent),
        "statuses": {str(k): v for k, v in statuses.items()},
        "messages_per_s": round(answered_in_window / span, 1),
        "deliveries_per_s": round(delivered_in_window / span, 1),
        "deliveries_expected": len(ok) * clients,
        "deliveries_missing": missing,
        "deliveries_unknown": unknown,
        "latency_ms": percentiles(latency_ms),
        "post_ms": percentiles(post_ms),
        "_latencies": latency_ms,
    }


# ---------------------------------------------------------------- one measurement


class Target:
    """One app in one topology: its servers (ports), people and chats."""

    def __init__(self, app: str, servers: list[Server], people: list[dict], chats: dict):
        self.app, self.servers, self.people, self.chats = app, servers, people, chats

    @property
    def ports(self):
        return [s.port for s in self.servers]

    @property
    def pids(self):
        return [p for s in self.servers for p in s.pids()]

    def auth(self, chat: str):
        # Wave ignores it (rooms follow the session); the bare app joins the chat's room.
        return {"rooms": [self.chats[c] for c in ("big", "small") if c == chat]}


def measure(target: Target, pool: ClientPool, scenario: str, args, redis, pg, tag) -> dict:
    chat = "big" if scenario == "saturation" else "small"
    members = args.members if chat == "big" else args.small
    thread_id = target.chats[chat]
    ports = target.ports
    specs = [
        (ports[i % len(ports)], person["cookie"], target.auth(chat))
        for i, person in enumerate(target.people[:members])
    ]
    connected, failures = pool.connect(thread_id, specs)
    if connected != members:
        pool.disconnect()
        raise RuntimeError(f"{target.app}: {connected}/{members} connected: {failures[:3]}")
    time.sleep(0.3)
    pool.reset(thread_id)
    groups = {
        "server": target.pids,
        "listeners": pool.pids,
        "senders": [os.getpid()],
        "redis": redis.pids if redis and len(ports) > 1 else [],
    }
    with Meter(groups, pg) as meter:
        if scenario == "saturation":
            senders = target.people[: args.senders]
            sent, window, errors = asyncio.run(
                saturate(ports, senders, thread_id, args.sat_seconds, args.warmup, tag)
            )
        else:
            authors = target.people[:members]
            sent, window, errors = asyncio.run(
                open_loop(ports, authors, thread_id, args.rate, args.lat_seconds, args.warmup, tag)
            )
    expected = sum(1 for *_, s in sent if s == 200) * members
    drained = drain(pool, expected)
    collected = pool.collect()
    pool.disconnect()
    result = analyse(sent, window, collected, members, scenario)
    result.update(
        {
            "app": target.app,
            "processes": len(ports),
            "clients": members,
            "errors": errors,
            "drain_s": drained,
            "cpu": meter.cores,
            "listener_cores": [round(p["cpu"] / p["wall"], 2) for p in collected],
            "other_events": sum(p["other"] for p in collected),
        }
    )
    return result


def fmt(r: dict) -> str:
    lat, post = r["latency_ms"], r["post_ms"]
    c = r["cpu"]
    return (
        f"{r['app']:>4} x{r['processes']} {r['mode']:<10} {r['messages_per_s']:7.1f} msg/s "
        f"{r['deliveries_per_s']:8.0f} deliveries/s  delivery p50 {lat.get('p50', '-')} "
        f"p99 {lat.get('p99', '-')} ms  post p50 {post.get('p50', '-')} p99 "
        f"{post.get('p99', '-')} ms  missing {r['deliveries_missing']}  "
        f"cores: server {c['server']} pg {c['postgres']} redis {c['redis']} "
        f"listeners {c['listeners']} senders {c['senders']} other {c['other']}"
        + (f"  errors {r['errors']}" if r["errors"] else "")
        + (f"  statuses {r['statuses']}" if set(r["statuses"]) - {"200"} else "")
    )


# ---------------------------------------------------------------- profile


def profile(target: Target, pool: ClientPool, scenario: str, args, redis, pg, raw: Path):
    """py-spy samples the (first) server worker during one more measurement; shares are of
    the samples where the worker was busy (py-spy leaves out the idle gevent hub)."""
    worker = target.servers[0].worker_pids()[0]
    seconds = (args.sat_seconds if scenario == "saturation" else args.lat_seconds) + args.warmup
    spy = subprocess.Popen(
        [str(PY_SPY), "record", "-p", str(worker), "-r", "200", "-d", str(round(seconds + 3))]
        + ["-f", "raw", "-o", str(raw), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    result = measure(target, pool, scenario, args, redis, pg, f"prof-{secrets.token_hex(4)}")
    spy.wait(timeout=120)
    inclusive, self_time, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():  # a frame's name with a line break in it
            continue
        frames, n = stack.split(";"), int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        self_time[frames[-1]] += n
    buckets = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            buckets[_bucket(stack)] += int(count)

    def share(table, keep, count):
        rows = sorted(((100 * v / total, k) for k, v in table.items() if keep(k)), reverse=True)
        return [(round(s, 1), k) for s, k in rows[:count]]

    return {
        "raw": raw.name,
        "samples": total,
        "measurement": {k: v for k, v in result.items() if not k.startswith("_")},
        "buckets": share(buckets, lambda k: True, 20),
        "wave_frames": share(inclusive, lambda k: "wave/" in k, 25),
        "self": share(self_time, lambda k: True, 20),
    }


BUCKETS = (
    # (label, a frame of the stack contains this), first match from the leaf side wins
    ("SQL: SQLite / psycopg2 driver", ("sqlite3", "psycopg2", "(psycogreen")),
    ("SQL: SQLAlchemy ORM and core", ("sqlalchemy/",)),
    ("templates (Jinja)", ("jinja2/", "/templates/")),
    ("forms and CSRF (WTForms, Flask-WTF)", ("wtforms/", "flask_wtf/")),
    ("sign-in from the cookie (Flask-Login, itsdangerous)", ("flask_login/", "itsdangerous/")),
    ("Redis message queue", ("redis/", "kombu", "pubsub_manager", "redis_manager")),
    ("WebSocket writes (simple-websocket, wsproto)", ("simple_websocket/", "wsproto/")),
    ("Socket.IO fan-out (emit, rooms, packets)", ("socketio/", "engineio/")),
    ("Wave's own code", ("wave/",)),
    ("HTTP parsing and WSGI (gunicorn, werkzeug, flask)", ("gunicorn/", "werkzeug/", "flask/")),
    ("gevent (scheduling, sockets)", ("gevent/",)),
)


def _bucket(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):
        for label, needles in BUCKETS:
            if any(n in frame for n in needles):
                return label
    return "other"


# ---------------------------------------------------------------- one database


def bench_database(kind: str, args, run_id: str, app_dir: Path) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"wave-chat-bench-{kind}-"))
    servers: list[Server] = []
    pool = None
    redis = None
    log(f"\n=== {kind} ===")
    pg = kind == "postgresql"
    try:
        database_url = prepare_database(kind, tmp)
        secret = secrets.token_hex(32)
        seeded = seed(wave_env(database_url, tmp, secret, None), app_dir, args.members, args.small)
        chats = {"big": seeded["big"], "small": seeded["small"]}
        log(f"seeded {len(seeded['users'])} people, chats {chats}")
        redis = PrivateRedis(args.redis_url, tmp)
        bare_redis_env = {**base_env(), "BENCH_BARE_REDIS_URL": redis.url}
        bare_app = "bench.bare_socketio_app:create_app()"
        wave_app = args.wave_app
        specs = {
            ("wave", 1): [(wave_app, wave_env(database_url, tmp, secret, None))],
            ("bare", 1): [(bare_app, base_env())],
            ("wave", 2): [(wave_app, wave_env(database_url, tmp, secret, redis.url))] * 2,
            ("bare", 2): [(bare_app, bare_redis_env)] * 2,
        }
        running = {}
        for (app, n), entries in specs.items():
            if n == 2 and not args.two:
                continue
            group = []
            for i, (spec, env) in enumerate(entries):
                server = Server(f"{app}{n}-{i + 1}", spec, env, 1, tmp, app_dir)
                server.start("/login" if app == "wave" else "/ping")
                servers.append(server)
                group.append(server)
            running[(app, n)] = group
        wave1, bare1 = running[("wave", 1)][0], running[("bare", 1)][0]
        log(f"wave: {' '.join(wave1.command())}")
        log(f"bare: {' '.join(bare1.command())}")

        t0 = time.monotonic()
        usernames = [u for _id, u in seeded["users"]]
        people = asyncio.run(sign_in_all(wave1.port, usernames, chats["big"]))
        log(f"signed in {len(people)} people over HTTP in {time.monotonic() - t0:.1f} s")
        bare = bare_people(args.members)
        targets = {
            (app, n): Target(app, group, people if app == "wave" else bare, chats)
            for (app, n), group in running.items()
        }
        pool = ClientPool(args.client_processes, args.harness)

        log(f"quiet check: other work uses {wait_quiet(args.wait_quiet)} cores")
        warm = argparse.Namespace(**{**vars(args), "sat_seconds": 2, "warmup": 0.5})
        for target in targets.values():  # templates, SQLAlchemy caches, pool connections
            measure(target, pool, "saturation", warm, redis, pg, f"warm-{secrets.token_hex(3)}")

        plan = [("saturation", 1), ("latency", 1)]
        if args.two:
            plan += [("saturation", 2), ("latency", 2)]
        rounds = {f"{s}-{n}": [] for s, n in plan}
        for r in range(args.rounds):
            for scenario, n in plan:
                order = ("wave", "bare") if r % 2 == 0 else ("bare", "wave")
                label = f"{scenario}-{n}"
                for attempt in range(args.retries + 1):
                    pair = {}
                    for app in order:
                        tag = f"{kind[0]}{r}{app}{n}{scenario[0]}{attempt}-{secrets.token_hex(3)}"
                        pair[app] = measure(targets[(app, n)], pool, scenario, args, redis, pg, tag)
                        log(f"  round {r + 1} " + fmt(pair[app]))
                    noise = max(p["cpu"]["other"] for p in pair.values())
                    if noise <= NOISE_CORES or attempt == args.retries:
                        break
                    log(f"  ({label}: other work used {noise} cores; again after a quiet spell)")
                    wait_quiet(args.wait_quiet)
                for p in pair.values():
                    p["attempts"] = attempt + 1
                    p["disturbed"] = noise > NOISE_CORES
                rounds[label].append(pair)

        summary = summarise(rounds, plan)
        profiles = {}
        if args.profile and PY_SPY.exists():
            OUT.mkdir(exist_ok=True)
            for scenario in ("saturation", "latency"):
                log(f"-- py-spy of the Wave worker during one more {scenario} measurement --")
                prof = profile(
                    targets[("wave", 1)],
                    pool,
                    scenario,
                    args,
                    redis,
                    pg,
                    OUT / f"chat-profile-{run_id}-{kind}-{scenario}.txt",
                )
                profiles[scenario] = prof
                log("  " + fmt(prof["measurement"]))
                for s, label in prof["buckets"]:
                    log(f"  {s:5.1f}%  {label}")
                for s, frame in prof["wave_frames"][:12]:
                    log(f"  {s:5.1f}%  {frame}")
        for pairs in rounds.values():
            for pair in pairs:
                for p in pair.values():
                    p.pop("_latencies", None)
        return {
            "db": kind,
            "rounds": rounds,
            "summary": summary,
            "profiles": profiles,
            "wave_command": " ".join(wave1.command()),
            "bare_command": " ".join(bare1.command()),
        }
    finally:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C: clean up anyway
        try:
            if pool is not None:
                pool.close()
            for server in servers:
                server.stop()
            if redis is not None:
                redis.stop()
            drop_database(kind)
            shutil.rmtree(tmp, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, previous)


def summarise(rounds: dict, plan) -> dict:
    out = {}
    for scenario, n in plan:
        pairs = rounds[f"{scenario}-{n}"]
        s = {}
        for app in ("wave", "bare"):
            rs = [p[app] for p in pairs]
            pooled = sorted(x for r in rs for x in r["_latencies"])
            s[app] = {
                "deliveries_per_s": statistics.median(r["deliveries_per_s"] for r in rs),
                "deliveries_per_s_rounds": [r["deliveries_per_s"] for r in rs],
                "messages_per_s": statistics.median(r["messages_per_s"] for r in rs),
                "latency_ms": percentiles(pooled),
                "p99_rounds": [r["latency_ms"].get("p99") for r in rs],
                "post_ms_p50": statistics.median(r["post_ms"].get("p50", 0) for r in rs),
                "post_ms_p99": statistics.median(r["post_ms"].get("p99", 0) for r in rs),
                "server_cores": statistics.median(r["cpu"]["server"] for r in rs),
                "postgres_cores": statistics.median(r["cpu"]["postgres"] for r in rs),
                "redis_cores": statistics.median(r["cpu"]["redis"] for r in rs),
                "listener_cores_max": max(max(r["listener_cores"]) for r in rs),
                "sender_cores_max": max(r["cpu"]["senders"] for r in rs),
                "other_cores_max": max(r["cpu"]["other"] for r in rs),
                "machine_cores": statistics.median(r["cpu"]["machine"] for r in rs),
                "missing": sum(r["deliveries_missing"] for r in rs),
                "errors": sum(sum(r["errors"].values()) for r in rs)
                + sum(v for r in rs for k, v in r["statuses"].items() if k != "200"),
                "disturbed": sum(r["disturbed"] for r in rs),
            }
        ratios = [
            p["wave"]["deliveries_per_s"] / p["bare"]["deliveries_per_s"]
            for p in pairs
            if p["bare"]["deliveries_per_s"]
        ]
        s["ratio"] = round(statistics.median(ratios), 3) if ratios else 0.0
        s["ratio_rounds"] = [round(x, 2) for x in ratios]
        out[f"{scenario}-{n}"] = s
    return out


def verdicts(summary: dict) -> list[tuple[str, bool, str]]:
    rows = []
    for n in (1, 2):
        sat = summary.get(f"saturation-{n}")
        if sat:
            rows.append(
                (
                    f"deliveries/s at saturation, 200 members, {n} process{'es' if n > 1 else ''}:"
                    f" Wave ≥ {TARGET_RATIO}× bare",
                    sat["ratio"] >= TARGET_RATIO,
                    f"Wave {sat['wave']['deliveries_per_s']:.0f}/s, bare "
                    f"{sat['bare']['deliveries_per_s']:.0f}/s: {sat['ratio']:.2f}×",
                )
            )
        lat = summary.get(f"latency-{n}")
        if lat:
            w, b = lat["wave"]["latency_ms"].get("p99"), lat["bare"]["latency_ms"].get("p99")
            ok = w is not None and lat["wave"]["missing"] == 0 and lat["wave"]["errors"] == 0
            rows.append(
                (
                    f"delivery p99 at 100 msg/s, 50 members, {n} process{'es' if n > 1 else ''}:"
                    f" under {TARGET_P99_MS:.0f} ms",
                    ok and w < TARGET_P99_MS,
                    f"Wave p99 {w} ms (p50 {lat['wave']['latency_ms'].get('p50')} ms)",
                )
            )
            rows.append(
                (
                    f"the same p99 at most {TARGET_P99_RATIO}× bare's",
                    ok and b is not None and w <= TARGET_P99_RATIO * b,
                    f"Wave {w} ms, bare {b} ms: {w / b:.2f}×" if w and b else "–",
                )
            )
    one, two = summary.get("saturation-1"), summary.get("saturation-2")
    if one and two:
        w = two["wave"]["deliveries_per_s"] / one["wave"]["deliveries_per_s"]
        b = two["bare"]["deliveries_per_s"] / one["bare"]["deliveries_per_s"]
        rows.append(
            (
                f"two processes through Redis ≥ {TARGET_SCALING}× one process (Wave)",
                w >= TARGET_SCALING,
                f"Wave {two['wave']['deliveries_per_s']:.0f} vs "
                f"{one['wave']['deliveries_per_s']:.0f} deliveries/s: {w:.2f}× (bare {b:.2f}×)",
            )
        )
    return rows


# ---------------------------------------------------------------- report


def section(run: dict) -> str:
    m = run["machine"]
    pk = m["packages"]
    lines = [
        f"### Run {run['date']} (Wave {run['code']['commit']})",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Linux {m['kernel']},"
        f" Python {m['python']}; gunicorn {pk['gunicorn']}, gevent {pk['gevent']}, Flask-SocketIO"
        f" {pk['Flask-SocketIO']}, python-socketio {pk['python-socketio']}, python-engineio"
        f" {pk['python-engineio']}, simple-websocket {pk['simple-websocket']}, wsproto"
        f" {pk['wsproto']}; SQLite {m['sqlite']}, PostgreSQL {m['postgres']}, Redis {m['redis']}."
        f" Load average {run['load_before']} before the run, {run['load_after']} after.",
        f"- Wave: commit {run['code']['commit']}"
        + (" with uncommitted changes in wave/" if run["code"]["app_dirty"] else "")
        + "; served from a copy of wave/ and migrations/ taken at the start"
        + (
            f" (the checkout moved on to {run['code']['commit_after']} meanwhile)"
            if run["code"].get("changed_during_run")
            else ""
        )
        + ".",
        f"- Command: `{run['command']}` ({run['elapsed_s']} s).",
        "- Servers: `gunicorn --chdir <copy> -k gevent -w 1 -b 127.0.0.1:PORT"
        f" '{run['wave_app']}'`"
        " and the same with `'bench.bare_socketio_app:create_app()'`, one process each, then two"
        " processes each sharing a private redis-server (Wave: `WAVE_REDIS_URL`; bare: its own"
        f' channel); `WAVE_LOGIN_LIMIT` raised to "{LOGIN_LIMIT}".',
        f"- Clients: {run['members']} staff signed in over HTTP (`POST /login`), one Socket.IO"
        f" WebSocket each with its session cookie ({run['harness']} harness, in"
        f" {run['client_processes']} listener process(es)); a group chat of {run['members']} and"
        f" one of {run['small']}. Messages are posted as chat.js posts them (`POST"
        " /chats/<id>/messages`, multipart csrf_token + client_id + body, X-CSRFToken and"
        " HX-Request headers): Wave stores each and then emits chat-message-posted to each"
        " member's room `user:<id>`; the bare app checks the token and emits the same event to"
        " one room `chat:<id>`.",
        f"- Saturation: {run['senders']} senders in a closed loop for {run['sat_seconds']} s"
        f" (after {run['warmup']} s warm-up), into the {run['members']}-member chat; a delivery is"
        " one event received by one client, counted while the senders run. Latency: Poisson"
        f" arrivals at {run['rate']:.0f} messages/s for {run['lat_seconds']} s into the"
        f" {run['small']}-member chat, authors taking turns; delivery latency = arrival at the"
        " client − planned send time (one clock, CLOCK_MONOTONIC), p50/p99 over all deliveries of"
        f" all rounds. {run['rounds']} rounds, Wave and bare alternating (A B, B A, …); rates are"
        " medians of the rounds. With two processes the clients alternate between them (sticky"
        " by connection) and so do the senders.",
        "",
    ]
    for d in run["dbs"]:
        lines += _db_table(d, run["rate"])
    lines += [f"Raw figures: `bench/out/{run['file']}` (not committed).", ""]
    return "\n".join(lines)


def _db_table(d: dict, rate: float) -> list[str]:
    s = d["summary"]
    name = "SQLite" if d["db"] == "sqlite" else "PostgreSQL"
    lines = [f"#### {name}", "", "**Verdicts**", ""]
    for label, ok, text in verdicts(s):
        lines.append(f"- {label}: {'PASS' if ok else '**FAIL**'} ({text})")
    lines += [
        "",
        "| scenario | | bare | Wave | Wave/bare |",
        "|---|---|---|---|---|",
    ]

    def rounds_of(x):
        return ", ".join(f"{v:.0f}" for v in x["deliveries_per_s_rounds"])

    for key, title in (
        ("saturation-1", "saturation, 200 members, 1 process"),
        ("saturation-2", "saturation, 200 members, 2 processes + Redis"),
        ("latency-1", "100 msg/s, 50 members, 1 process"),
        ("latency-2", "100 msg/s, 50 members, 2 processes + Redis"),
    ):
        if key not in s:
            continue
        x = s[key]
        w, b = x["wave"], x["bare"]
        if key.startswith("saturation"):
            lines.append(
                f"| {title} | deliveries/s, median (rounds) | **{b['deliveries_per_s']:.0f}**"
                f" ({rounds_of(b)}) | **{w['deliveries_per_s']:.0f}** ({rounds_of(w)}) |"
                f" **{x['ratio']:.2f}** ({', '.join(map(str, x['ratio_rounds']))}) |"
            )
            lines.append(
                f"| | messages/s | {b['messages_per_s']:.0f} | {w['messages_per_s']:.0f} | |"
            )
        bl, wl = b["latency_ms"], w["latency_ms"]
        lines.append(
            f"| {'' if key.startswith('saturation') else title} | delivery p50 / p99 / max (ms)"
            f" | {bl.get('p50')} / **{bl.get('p99')}** / {bl.get('max')}"
            f" | {wl.get('p50')} / **{wl.get('p99')}** / {wl.get('max')} |"
            + (f" p99 {wl['p99'] / bl['p99']:.2f}× |" if wl.get("p99") and bl.get("p99") else " |")
        )
        if key.startswith("latency"):
            lines.append(
                f"| | messages/s answered (offered {rate:.0f}) | {b['messages_per_s']:.0f}"
                f" | {w['messages_per_s']:.0f} | |"
            )
            lines.append(
                f"| | p99 of each round (ms) | {', '.join(map(str, b['p99_rounds']))}"
                f" | {', '.join(map(str, w['p99_rounds']))} | |"
            )
        lines.append(
            f"| | POST answered p50 / p99 (ms) | {b['post_ms_p50']} / {b['post_ms_p99']}"
            f" | {w['post_ms_p50']} / {w['post_ms_p99']} | |"
        )
        lines.append(
            f"| | cores: server(s) / PostgreSQL / Redis | {b['server_cores']:.2f} / – /"
            f" {b['redis_cores']:.2f} | {w['server_cores']:.2f} / {w['postgres_cores']:.2f} /"
            f" {w['redis_cores']:.2f} | |"
        )
        lines.append(
            f"| | cores: listener process (max) / senders (max) / other work (max) |"
            f" {b['listener_cores_max']:.2f} / {b['sender_cores_max']:.2f} /"
            f" {b['other_cores_max']:.2f} | {w['listener_cores_max']:.2f} /"
            f" {w['sender_cores_max']:.2f} / {w['other_cores_max']:.2f} | |"
        )
        lines.append(
            f"| | deliveries missing; errors; rounds disturbed | {b['missing']}; {b['errors']};"
            f" {b['disturbed']} | {w['missing']}; {w['errors']}; {w['disturbed']} | |"
        )
    lines.append("")
    for scenario, prof in d.get("profiles", {}).items():
        mm = prof["measurement"]
        lines += [
            f"py-spy of the Wave worker ({name}, one more {scenario} measurement at"
            f" {mm['messages_per_s']:.0f} messages/s, {mm['deliveries_per_s']:.0f} deliveries/s;"
            f" {prof['samples']} busy samples) — where the busy time goes, by the innermost"
            " library on the stack:",
            "",
        ]
        lines += [f"- {s:.1f}% {label}" for s, label in prof["buckets"] if s >= 0.5]
        lines += ["", "Wave's frames (inclusive share of busy samples):", ""]
        lines += [f"- {s:.1f}% `{frame}`" for s, frame in prof["wave_frames"][:10]]
        lines.append("")
    return lines


HEADER = f"""# Messenger

Chat messages fanned out live: Wave's messenger (signed-in clients, every message stored, then
told to each member) against a bare Flask-SocketIO room broadcast in the same async mode, with
the same client harness, interleaved in one run: [chat_bench.py](chat_bench.py).

**Targets:** Wave's deliveries/s at saturation (200 members in one chat) at least **0.6×** the
bare app's; delivery **p99 under 100 ms** and at most **1.5×** the bare app's p99 at 100
messages/s into a 50-member chat; **two processes** sharing Redis at least **1.5×** one
process.

{MARKER}
"""


def update_results(run: dict):
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if MARKER in text:
        head, tail = text.split(MARKER, 1)
        text = head + MARKER + "\n\n" + section(run) + "\n" + tail.lstrip("\n")
    else:
        text = HEADER + "\n" + section(run) + "\n\n" + text
    RESULTS.write_text(text)


# ---------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per app and scenario")
    parser.add_argument("--sat-seconds", type=float, default=8, help="saturation, measured")
    parser.add_argument("--lat-seconds", type=float, default=10, help="latency, measured")
    parser.add_argument("--warmup", type=float, default=1, help="seconds before measuring")
    parser.add_argument("--senders", type=int, default=8, help="closed-loop senders")
    parser.add_argument("--rate", type=float, default=100, help="messages/s, latency runs")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--small", type=int, default=50, help="members of the latency chat")
    parser.add_argument("--no-two", dest="two", action="store_false", help="one process only")
    parser.add_argument(
        "--client-processes", type=int, default=1, help="listener processes (split clients)"
    )
    parser.add_argument(
        "--harness",
        choices=("lean", "socketio"),
        default="lean",
        help="listeners: the lean WebSocket client, or python-socketio's AsyncClient (aiohttp)",
    )
    parser.add_argument(
        "--redis-url",
        help="use this Redis (flushed before and after) instead of a private redis-server",
    )
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--wait-quiet", type=float, default=20)
    parser.add_argument("--retries", type=int, default=1, help="reruns of a disturbed pair")
    parser.add_argument("--quick", action="store_true", help="1 round of 4 s, no profile")
    parser.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument(
        "--wave-app",
        default="wave:create_app()",
        help="gunicorn app for Wave (experiments: bench/wave_variants.py)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.sat_seconds, args.lat_seconds, args.profile = 1, 4, 4, False
    if args.redis_url is None and not shutil.which("redis-server"):
        sys.exit("redis-server is missing (apt-get install redis-server), or pass --redis-url")
    if args.small > args.members or args.senders > args.members:
        sys.exit("--small and --senders must not exceed --members")

    started = time.monotonic()
    now = datetime.now(UTC)
    run_id = now.strftime("%Y%m%d%H%M%S")
    run = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "load_before": loadavg(),
        "command": " ".join(
            ["PYTHONPATH=. .venv/bin/python", "bench/chat_bench.py", *sys.argv[1:]]
        ),
        **{
            k: getattr(args, k)
            for k in (
                "rounds",
                "sat_seconds",
                "lat_seconds",
                "warmup",
                "senders",
                "rate",
                "members",
                "small",
                "client_processes",
                "wave_app",
                "harness",
            )
        },
        "code": code_version(),
        "gunicorn": GUNICORN,
        "dbs": [],
    }
    app_tmp = Path(tempfile.mkdtemp(prefix="wave-chat-bench-app-"))
    try:
        app_dir = snapshot(app_tmp)
        kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
        for kind in kinds:
            run["dbs"].append(bench_database(kind, args, run_id, app_dir))
    finally:
        shutil.rmtree(app_tmp, ignore_errors=True)
    after = code_version()
    run["code"]["changed_during_run"] = after["app_digest"] != run["code"]["app_digest"]
    run["code"]["commit_after"] = after["commit"]
    run["load_after"] = loadavg()
    run["elapsed_s"] = round(time.monotonic() - started)
    OUT.mkdir(exist_ok=True)
    run["file"] = f"chat-{run_id}.json"
    (OUT / run["file"]).write_text(json.dumps(run, indent=1, default=str))
    text = section(run)
    log("\n" + text)
    log(f"total time {run['elapsed_s']} s")
    if not args.no_results:
        update_results(run)
        log(f"added to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
