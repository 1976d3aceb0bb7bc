"""Tenant submissions per second: Wave's real stack against a bare Flask endpoint.

    .venv/bin/python bench/submit_bench.py [--db sqlite|postgres|both]

Both apps are served by the production command (gunicorn -k gevent -w 1) on this machine;
the load comes from `wrk` (closed loop, Lua scripts beside this file) and from an asyncio
client in this file (open loop, Poisson arrivals). Rounds alternate bare and Wave in one run
so the machine's noise falls on both. The summary is printed, the raw figures go to
bench/out/, and a section is added to bench/RESULTS.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
RESULTS = BENCH / "RESULTS.md"
MARKER = "<!-- runs: submit_bench.py adds each run below this line, newest first -->"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "wave_submit_bench"
"""Its own name: wave_bench is the million-request database of reports_bench.py, which this
benchmark would drop."""
TICK = os.sysconf("SC_CLK_TCK")

TARGET_RATIO = 0.6
TARGET_P95_MS = 50.0
LOAD_SHARE = 0.7
SWEEP = (1, 2, 4, 8, 16, 32)
LIMIT = "1000000 per minute"  # the submit rate limits, raised for the benchmark
NOISE_CORES = 0.3  # other work on the machine above this disturbs a measurement

BOUNDARY = "----wavebench7MA4YWxkTrZu0gW"
DESCRIPTION = (
    "The light above the door flickers and the bin next to it is full. "
    "Please have a look when you can, thank you."
)

DEMO_SCRIPT = """
import json
from sqlalchemy import select
from wave import create_app
from wave import demo
from wave.extensions import db
from wave.qr.models import QrTag
app = create_app()
with app.app_context():
    demo.load_demo()
    tags = db.session.scalars(select(QrTag).order_by(QrTag.id)).all()
    print("CODES " + json.dumps([t.code for t in tags if t.is_usable]))
"""


def log(*args):
    print(*args, flush=True)


# ---------------------------------------------------------------- machine and CPU accounting


def command_version(cmd: list[str]) -> str:
    """The first line a command prints about its version, or '?'."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def base_machine() -> dict:
    """What every benchmark of this folder writes about the machine and its databases."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": command_version(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"]
        ),
    }


def machine_info() -> dict:
    return {
        **base_machine(),
        "gunicorn": command_version([GUNICORN, "--version"]),
        "wrk": command_version(["wrk", "--version"]).split(" Copyright")[0],
    }


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def postgres_cpu() -> float:
    """CPU seconds PostgreSQL has used: its live processes, plus the backends that have
    exited (the postmaster's reaped children), so connections opened and closed during a
    measurement are counted too."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])
        parent = Path(f"/proc/{fields[1]}/comm")
        try:
            is_postmaster = parent.read_text().strip() not in ("postgres", "postmaster")
        except OSError:
            is_postmaster = True
        if is_postmaster:
            total += int(fields[13]) + int(fields[14])
    return total / TICK


def pg_sessions() -> int | None:
    """Sessions opened on the benchmark database so far (pool churn shows here)."""
    try:
        import psycopg2

        conn = psycopg2.connect(PG_DSN)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (PG_DB,))
                row = cur.fetchone()
        finally:
            conn.close()
        return int(row[0]) if row else None
    except Exception:  # noqa: BLE001 (a figure for information only)
        return None


def machine_busy() -> float:
    """CPU seconds all cores have been busy since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


class CpuMeter:
    """Cores used while a block runs, by the server, PostgreSQL, the load generator, all."""

    def __init__(self, server_pids, with_postgres=False):
        self.server_pids = list(server_pids)
        self.with_postgres = with_postgres

    def __enter__(self):
        if self.with_postgres:
            self.sessions0 = pg_sessions()
        self.t0 = time.monotonic()
        self.server0 = sum(proc_cpu(p) for p in self.server_pids)
        self.pg0 = postgres_cpu() if self.with_postgres else 0.0
        self.children0 = _children_cpu()
        self.self0 = _self_cpu()
        self.busy0 = machine_busy()
        return self

    def __exit__(self, *exc):
        wall = time.monotonic() - self.t0
        server = sum(proc_cpu(p) for p in self.server_pids) - self.server0
        pg = postgres_cpu() - self.pg0 if self.with_postgres else 0.0
        gen = (_children_cpu() - self.children0) + (_self_cpu() - self.self0)
        busy = machine_busy() - self.busy0
        self.cores = {
            "server": round(server / wall, 2),
            "postgres": round(pg / wall, 2),
            "loadgen": round(gen / wall, 2),
            "machine": round(busy / wall, 2),
            "other": round(max(0.0, busy - server - pg - gen) / wall, 2),
        }
        if self.with_postgres:
            end = pg_sessions()
            self.pg_sessions = (
                end - self.sessions0 if end is not None and self.sessions0 is not None else None
            )
        return False


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def wait_quiet(max_wait: float) -> float:
    """Wait (up to max_wait s) until other work on the machine uses under 0.25 core."""
    deadline = time.monotonic() + max_wait
    while True:
        b0, t0 = machine_busy(), time.monotonic()
        time.sleep(2)
        cores = (machine_busy() - b0) / (time.monotonic() - t0)
        if cores < 0.25 or time.monotonic() > deadline:
            return round(cores, 2)
        log(f"  machine busy with other work ({cores:.2f} cores), waiting …")


def code_version() -> dict:
    """The commit measured, and a digest of the app's files as they are on disk."""
    import hashlib

    def git(*args):
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip()

    digest = hashlib.sha256()
    for path in sorted((ROOT / "wave").rglob("*.py")) + sorted((ROOT / "wave").rglob("*.html")):
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "app_dirty": bool(git("status", "--porcelain", "--", "wave", "migrations")),
        "app_digest": digest.hexdigest()[:12],
    }


# ---------------------------------------------------------------- servers and databases


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn, started with the production command."""

    def __init__(self, name, app, env, workers, logdir, chdir):
        self.name, self.app, self.env, self.workers, self.chdir = name, app, env, workers, chdir
        self.port = free_port()
        self.log = Path(logdir) / f"{name}.log"
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        return [
            GUNICORN,
            "--chdir",
            str(self.chdir),
            "-k",
            "gevent",
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            self.app,
        ]

    def start(self, probe_path):
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                self.command(),
                env=self.env,
                stdout=out,
                stderr=out,
                cwd=self.chdir,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + probe_path, timeout=5) as r:
                    if r.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer:\n{self.log.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def pids(self):
        return [self.proc.pid, *self.worker_pids()]

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def pg_execute(sql: str):
    import psycopg2  # the project's driver, already in .venv

    conn = psycopg2.connect(PG_DSN)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def prepare_database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'wave.db'}"
    pg_execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    pg_execute(f"CREATE DATABASE {PG_DB}")
    return f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"


def drop_database(kind: str):
    if kind == "postgres":
        pg_execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def wave_env(database_url: str, tmp: Path, redis: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAVE_")}
    env.update(
        {
            "WAVE_DATABASE_URL": database_url,
            "WAVE_SECRET_KEY": secrets.token_hex(32),
            "WAVE_UPLOAD_FOLDER": str(tmp / "uploads"),
            "WAVE_SUBMIT_LIMIT_PER_ADDRESS": LIMIT,
            "WAVE_SUBMIT_LIMIT_PER_CODE": LIMIT,
        }
    )
    if redis:
        env["WAVE_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    return env


def migrate_and_load(env: dict, app_dir: Path) -> list[str]:
    subprocess.run(
        [PYTHON, "-m", "wave", "migrate"], cwd=app_dir, env=env, check=True, capture_output=True
    )
    out = subprocess.run(
        [PYTHON, "-c", DEMO_SCRIPT],
        cwd=app_dir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    codes = json.loads(out.split("CODES ", 1)[1])
    if not codes:
        raise RuntimeError("the demo data has no usable QR tag")
    return codes


# ---------------------------------------------------------------- forms and request bodies


def multipart(csrf: str, key: str, category: int) -> bytes:
    """The same body the Lua scripts send."""

    def part(name, value):
        return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'

    return (
        part("csrf_token", csrf)
        + part("submission_key", key)
        + part("category", category)
        + part("description", DESCRIPTION)
        + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename=""'
        "\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
        + part("name", "Bench Tenant")
        + part("phone", "+49 30 1234567")
        + part("email", "tenant@example.com")
        + f"--{BOUNDARY}--\r\n"
    ).encode()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]*)"')
_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]*)"')
_OPTION = re.compile(r'<option value="(\d+)"')


def parse_form(set_cookie: str | None, body: str) -> dict | None:
    csrf, key = _CSRF.search(body), _KEY.search(body)
    cats = [int(v) for v in _OPTION.findall(body) if v != "0"]
    if not (set_cookie and csrf and key and cats):
        return None
    return {
        "cookie": set_cookie.split(";", 1)[0],
        "csrf": csrf.group(1),
        "key": key.group(1),
        "cats": cats,
    }


def harvest(base: str, paths: list[str], count: int) -> list[dict]:
    """Sessions as tenants get them: a real GET of the form each."""
    sessions = []
    for i in range(count):
        path = paths[i % len(paths)]
        with urllib.request.urlopen(base + path, timeout=10) as r:
            form = parse_form(r.headers.get("Set-Cookie"), r.read().decode())
        if form is None:
            raise RuntimeError(f"no usable form at {base}{path}")
        form["path"] = path
        sessions.append(form)
    return sessions


def lua_sessions(sessions: list[dict], path: Path) -> Path:
    rows = [
        f'{{path="{s["path"]}", cookie="{s["cookie"]}", csrf="{s["csrf"]}", '
        f"cats={{{','.join(map(str, s['cats']))}}}}}"
        for s in sessions
    ]
    path.write_text("return {\n" + ",\n".join(rows) + "\n}\n")
    return path


def lua_paths(paths: list[str], path: Path) -> Path:
    path.write_text("return {" + ", ".join(f'"{p}"' for p in paths) + "}\n")
    return path


# ---------------------------------------------------------------- closed loop: wrk


def run_wrk(
    server: Server,
    mode: str,
    conns: int,
    seconds: float,
    data: Path,
    run_id: str,
    with_postgres: bool,
) -> dict:
    script = BENCH / ("wrk_post.lua" if mode == "post" else "wrk_pair.lua")
    threads = 1 if mode == "post" else conns  # pair: one thread per connection (its state)
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(conns),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        server.base,
        "--",
        str(data),
        run_id,
    ]
    with CpuMeter(server.pids(), with_postgres) as meter:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    res = json.loads(line[len("WRK_JSON ") :])
    secs = res["duration_us"] / 1e6
    done = res["submissions"] if mode == "pair" else res["requests"]
    ok = res["statuses"].get("303", 0)
    res.update(
        {
            "target": server.name,
            "mode": mode,
            "conns": conns,
            "seconds": round(secs, 2),
            "rate": round(ok / secs, 1),
            "answers": done,
            "ok": ok,
            "failed": done - ok + sum(res["errors"].values()),
            "cpu": meter.cores,
            "pg_sessions": getattr(meter, "pg_sessions", None),
        }
    )
    return res


def fmt_closed(r: dict) -> str:
    lat = r["latency_us"]
    return (
        f"{r['target']:>5} {r['mode']:<4} c={r['conns']:<3} {r['rate']:8.1f}/s  "
        f"p50 {lat['p50'] / 1000:6.1f} ms  p99 {lat['p99'] / 1000:7.1f} ms  "
        f"failed {r['failed']}  cores: server {r['cpu']['server']} pg {r['cpu']['postgres']} "
        f"wrk {r['cpu']['loadgen']} other {r['cpu']['other']}"
        + (f"  pg sessions +{r['pg_sessions']}" if r.get("pg_sessions") else "")
    )


# ---------------------------------------------------------------- open loop: asyncio client

KEEPALIVE_SAFE = 1.0  # s; gunicorn closes a keep-alive connection idle for 2 s (--keep-alive)


class Conn:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.used = 0  # requests answered on it
        self.idle_since = time.monotonic()

    async def send(self, raw: bytes):
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers.setdefault(name.strip().lower(), value.strip())
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body

    def close(self):
        self.writer.close()


def raw_get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def raw_post(path: str, cookie: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def open_loop(
    port: int,
    mode: str,
    rate: float,
    seconds: float,
    sessions: list[dict],
    paths: list[str],
    run_id: str,
    max_conns: int = 256,
) -> dict:
    """Poisson arrivals at `rate`; latency counts from the planned start, so a slow server
    is not let off by a client that waits (no coordinated omission)."""
    loop = asyncio.get_running_loop()
    idle: list[Conn] = []
    opened = 0
    room = asyncio.Semaphore(max_conns)
    post_ms, pair_ms, get_ms, statuses, kinds = [], [], [], {}, {}
    errors = 0
    rng = random.Random(7)

    async def connection() -> Conn:
        nonlocal opened
        while idle:
            conn = idle.pop()
            if time.monotonic() - conn.idle_since < KEEPALIVE_SAFE:
                return conn
            conn.close()  # the server may be closing it just now
        opened += 1
        return Conn(*await asyncio.open_connection("127.0.0.1", port))

    async def exchange(conn: Conn, raw: bytes):
        """Send on conn; a reused connection the server closed unread is replaced once."""
        try:
            answer = await conn.send(raw)
        except (asyncio.IncompleteReadError, ConnectionResetError) as exc:
            unread = not isinstance(exc, asyncio.IncompleteReadError) or not exc.partial
            if not (conn.used and unread):
                raise
            conn.close()
            conn = await connection_new()
            answer = await conn.send(raw)
        conn.used += 1
        return conn, answer

    async def connection_new() -> Conn:
        nonlocal opened
        opened += 1
        return Conn(*await asyncio.open_connection("127.0.0.1", port))

    async def one(i: int, planned: float, measured: bool):
        nonlocal errors
        async with room:
            conn = None
            try:
                conn = await connection()
                if mode == "pair":
                    conn, (status, headers, body) = await exchange(
                        conn, raw_get(paths[i % len(paths)])
                    )
                    got = loop.time()
                    form = parse_form(headers.get("set-cookie"), body.decode())
                    if status != 200 or form is None:
                        raise RuntimeError(f"GET {status}")
                    path, key = paths[i % len(paths)], form["key"]
                    post_start = got
                else:
                    form = sessions[i % len(sessions)]
                    path, key = form["path"], f"{run_id}-{i}"
                    post_start = planned
                category = form["cats"][i % len(form["cats"])]
                conn, (status, headers, _) = await exchange(
                    conn, raw_post(path, form["cookie"], multipart(form["csrf"], key, category))
                )
                end = loop.time()
                if headers.get("connection", "").lower() == "close":
                    conn.close()
                else:
                    conn.idle_since = time.monotonic()
                    idle.append(conn)
                conn = None
                if measured:
                    statuses[status] = statuses.get(status, 0) + 1
                    post_ms.append((end - post_start) * 1000)
                    if mode == "pair":
                        get_ms.append((got - planned) * 1000)
                        pair_ms.append((end - planned) * 1000)
            except (OSError, RuntimeError, asyncio.IncompleteReadError, ValueError) as exc:
                if measured:
                    errors += 1
                    kind = f"{type(exc).__name__}: {exc}"[:80]
                    kinds[kind] = kinds.get(kind, 0) + 1
                if conn is not None:
                    conn.close()

    warmup = 1.0
    start = loop.time() + 0.05
    planned, tasks, i = start, [], 0
    cpu0, t0 = _self_cpu(), time.monotonic()
    while planned < start + warmup + seconds:
        delay = planned - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, planned, planned >= start + warmup)))
        i += 1
        planned += rng.expovariate(rate)
    _, pending = await asyncio.wait(tasks, timeout=30)
    for task in pending:
        task.cancel()
    cpu = (_self_cpu() - cpu0) / (time.monotonic() - t0)
    for conn in idle:
        conn.close()
    sent = sum(1 for _ in tasks)
    measured = len(post_ms) + errors + len(pending)
    return {
        "mode": mode,
        "offered_rate": round(rate, 1),
        "seconds": seconds,
        "sent": sent,
        "measured": measured,
        "errors": errors + len(pending),
        "error_kinds": kinds,
        "unfinished": len(pending),
        "statuses": statuses,
        "achieved_rate": round(statuses.get(303, 0) / seconds, 1),
        "connections": opened,
        "client_cores": round(cpu, 2),
        "post_ms": percentiles(post_ms),
        "pair_ms": percentiles(pair_ms),
        "get_ms": percentiles(get_ms),
    }


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    values = sorted(values)

    def p(q):
        return round(values[min(len(values) - 1, int(q / 100 * len(values)))], 1)

    return {
        "n": len(values),
        "p50": p(50),
        "p90": p(90),
        "p95": p(95),
        "p99": p(99),
        "max": round(values[-1], 1),
        "mean": round(statistics.fmean(values), 1),
    }


def run_open(server, mode, rate, seconds, sessions, paths, run_id, with_postgres):
    with CpuMeter(server.pids(), with_postgres) as meter:
        res = asyncio.run(open_loop(server.port, mode, rate, seconds, sessions, paths, run_id))
    res["target"] = server.name
    res["cpu"] = meter.cores
    res["pg_sessions"] = getattr(meter, "pg_sessions", None)
    return res


def fmt_open(r: dict) -> str:
    main = r["pair_ms"] if r["mode"] == "pair" else r["post_ms"]
    if not main:
        return f"{r['target']:>5} {r['mode']:<4} open loop: no answers ({r['errors']} errors)"
    text = (
        f"{r['target']:>5} {r['mode']:<4} open {r['offered_rate']:7.1f}/s -> "
        f"{r['achieved_rate']:7.1f}/s  p50 {main['p50']:6.1f}  p95 {main['p95']:6.1f}  "
        f"p99 {main['p99']:7.1f} ms  errors {r['errors']}  conns {r['connections']}  "
        f"cores: server {r['cpu']['server']} pg {r['cpu']['postgres']} "
        f"client {r['client_cores']} other {r['cpu']['other']}"
    )
    if r["mode"] == "pair":
        text += f"  (POST alone p95 {r['post_ms']['p95']} ms)"
    if r.get("pg_sessions"):
        text += f"  pg sessions +{r['pg_sessions']}"
    return text


# ---------------------------------------------------------------- profile

PY_SPY = BENCH / ".venv" / "bin" / "py-spy"


def profile_round(server: Server, conns: int, seconds: float, load, raw: Path) -> dict:
    """py-spy samples the worker while `load` runs; shares are of the samples where the
    worker was not idle (waiting in the gevent hub)."""
    if not PY_SPY.exists():
        raise SystemExit(
            f"--profile needs {PY_SPY}: python3.11 -m venv bench/.venv && "
            "bench/.venv/bin/pip install py-spy"
        )
    OUT.mkdir(exist_ok=True)
    spy = subprocess.Popen(
        [
            str(PY_SPY),
            "record",
            "-p",
            str(server.worker_pids()[0]),
            "-r",
            "100",
            "-d",
            str(round(seconds) + 1),
            "-f",
            "raw",
            "-o",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    result = load()
    spy.wait(timeout=60)
    inclusive, self_time, total = {}, {}, 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():  # a frame's name with a line break in it
            continue
        frames, n = stack.split(";"), int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        self_time[frames[-1]] = self_time.get(frames[-1], 0) + n

    def top(table, keep, count):
        rows = sorted(((100 * v / total, k) for k, v in table.items() if keep(k)), reverse=True)
        return [(round(share, 1), frame) for share, frame in rows[:count]]

    return {
        "raw": raw.name,
        "samples": total,
        "rate_during": result["rate"],
        "wave_frames": top(inclusive, lambda k: "wave/" in k, 30),
        "self": top(self_time, lambda k: True, 20),
    }


# ---------------------------------------------------------------- one database


def snapshot(dest: Path) -> Path:
    """A copy of the app as it is in the checkout now, served instead of the checkout, so that
    commits landing during the run cannot mix two versions into one set of figures."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("wave", "migrations"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    (dest / "bench").mkdir()
    for name in ("bare_app.py", "wave_variants.py"):
        shutil.copy(BENCH / name, dest / "bench" / name)
    return dest


def bench_database(kind: str, args, run_id: str, app_dir: Path) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"wave-bench-{kind}-"))
    servers = []
    log(f"\n=== {kind} ===")
    try:
        env = wave_env(prepare_database(kind, tmp), tmp, args.redis)
        codes = migrate_and_load(env, app_dir)
        paths = [f"/q/{c}" for c in codes]
        wave = Server("wave", args.wave_app, env, args.workers, tmp, app_dir)
        bare_env = {k: v for k, v in os.environ.items() if not k.startswith("WAVE_")}
        bare = Server("bare", "bench.bare_app:create_app()", bare_env, args.workers, tmp, app_dir)
        servers = [bare, wave]
        for server in servers:
            server.start(paths[0])
        log(f"wave: {' '.join(wave.command())}")
        log(f"bare: {' '.join(bare.command())}")
        pg = kind == "postgres"
        data = {}
        for server in servers:
            sessions = harvest(server.base, paths, 64)
            data[server.name] = {
                "sessions": sessions,
                "post": lua_sessions(sessions, tmp / f"{server.name}-sessions.lua"),
                "pair": lua_paths(paths, tmp / "paths.lua"),
            }

        def closed(server, mode, conns, seconds, tag):
            # a new prefix every time: a submission_key seen before takes Wave's cheap path
            return run_wrk(
                server,
                mode,
                conns,
                seconds,
                data[server.name][mode],
                f"{kind[0]}{tag}-{secrets.token_hex(5)}",
                pg,
            )

        def steady(group, label):
            """Run a group of measurements (callables); while other work on the machine
            disturbed one of them, wait for quiet and run the whole group again."""
            for attempt in range(args.retries + 1):
                results = [fn() for fn in group]
                noise = max(r["cpu"]["other"] for r in results)
                if noise <= NOISE_CORES:
                    break
                if attempt < args.retries:
                    log(f"  ({label}: other work used {noise} cores; again after a quiet spell)")
                    wait_quiet(args.wait_quiet)
            for r in results:
                r["attempts"] = attempt + 1
                r["disturbed"] = noise > NOISE_CORES
            return results

        log(f"quiet check: other work uses {wait_quiet(args.wait_quiet)} cores")
        for server in servers:  # warm up: templates, SQLAlchemy caches, pool connections
            closed(server, "post", 4, 2, "warm")
            closed(server, "pair", 4, 2, "warmpair")

        log("-- saturation sweep (closed loop, POST; interleaved) --")
        sweep = {"bare": [], "wave": []}
        for conns in SWEEP:
            results = steady(
                [
                    lambda server=server, c=conns: closed(
                        server, "post", c, args.sweep_seconds, f"sweep{c}"
                    )
                    for server in servers
                ],
                f"sweep c={conns}",
            )
            for server, r in zip(servers, results, strict=True):
                sweep[server.name].append(r)
                log("  " + fmt_closed(r))
        best_conns = {}
        for name, rows in sweep.items():
            top = max(r["rate"] for r in rows)
            best_conns[name] = next(r["conns"] for r in rows if r["rate"] >= 0.95 * top)
        conns = max(4, *best_conns.values())  # at least 4: the server is never starved
        log(f"saturating concurrency: {best_conns} -> rounds use c={conns} for both")

        log(f"-- interleaved rounds (closed loop, c={conns}, {args.round_seconds} s each) --")
        rounds = {"post": [], "pair": []}
        for mode, count in (("post", args.rounds), ("pair", args.pair_rounds)):
            for n in range(count):
                pair = {}
                order = servers if n % 2 == 0 else servers[::-1]
                results = steady(
                    [
                        lambda server=server, n=n, mode=mode: closed(
                            server, mode, conns, args.round_seconds, f"{mode}{n}"
                        )
                        for server in order
                    ],
                    f"{mode} round {n + 1}",
                )
                for server, r in zip(order, results, strict=True):
                    pair[server.name] = r
                    log("  " + fmt_closed(r))
                rounds[mode].append(pair)

        summary = {}
        for mode in ("post", "pair"):
            if not rounds[mode]:
                continue
            bare_rates = [p["bare"]["rate"] for p in rounds[mode]]
            wave_rates = [p["wave"]["rate"] for p in rounds[mode]]
            ratios = [
                p["wave"]["rate"] / p["bare"]["rate"] for p in rounds[mode] if p["bare"]["rate"]
            ]
            summary[mode] = {
                "bare_rate": round(statistics.median(bare_rates), 1),
                "wave_rate": round(statistics.median(wave_rates), 1),
                "bare_rates": bare_rates,
                "wave_rates": wave_rates,
                "ratio": round(statistics.median(ratios), 3) if ratios else 0.0,
                "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)] if ratios else [],
                "wrk_cores": max(p[s]["cpu"]["loadgen"] for p in rounds[mode] for s in p),
                "other_cores": max(p[s]["cpu"]["other"] for p in rounds[mode] for s in p),
                "disturbed_rounds": sum(p[s]["disturbed"] for p in rounds[mode] for s in p),
                "wave_server_cores": statistics.median(
                    p["wave"]["cpu"]["server"] for p in rounds[mode]
                ),
                "bare_server_cores": statistics.median(
                    p["bare"]["cpu"]["server"] for p in rounds[mode]
                ),
                "wave_pg_cores": statistics.median(
                    p["wave"]["cpu"]["postgres"] for p in rounds[mode]
                ),
            }
        wave_sat = summary["post"]["wave_rate"]  # median of the interleaved rounds
        log(f"-- open loop at {LOAD_SHARE:.0%} of Wave's saturation --")
        opened = {}
        plan = [("post", wave_sat)]
        if "pair" in summary:
            pair_sat = summary["pair"]["wave_rate"]
            plan.append(("pair", pair_sat))

        def open_round(server, mode, rate, seconds, label):
            def run():
                name = f"{label}-{secrets.token_hex(5)}"
                sessions = data[server.name]["sessions"]
                return run_open(server, mode, rate, seconds, sessions, paths, name, pg)

            [r] = steady([run], f"open loop {server.name} {mode} at {rate:.0f}/s")
            log("  " + fmt_open(r))
            return r

        for mode, sat in plan:
            for server in (wave, bare):
                seconds = args.open_seconds if server is wave else args.open_seconds * 2 / 3
                rate = LOAD_SHARE * sat
                opened[f"{server.name}_{mode}"] = open_round(
                    server, mode, rate, seconds, f"o{mode}"
                )
        for rate in args.open_rates:  # where the tail turns up, whatever the saturation
            opened[f"wave_post_at_{rate:g}"] = open_round(
                wave, "post", rate, args.open_seconds, "orate"
            )
        profile = None
        if args.profile:
            log("-- py-spy of the Wave worker during one more POST round --")
            profile = profile_round(
                wave,
                conns,
                args.round_seconds,
                lambda: closed(wave, "post", conns, args.round_seconds, "profile"),
                OUT / f"profile-{run_id}-{kind}.txt",
            )
            for share, frame in profile["wave_frames"][:12]:
                log(f"  {share:5.1f}%  {frame}")
        post = summary["post"]
        wave_open = opened["wave_post"]["post_ms"]
        verdict = {
            "ratio_ok": post["ratio"] >= TARGET_RATIO,
            "p95_ok": bool(wave_open)
            and wave_open["p95"] < TARGET_P95_MS
            and opened["wave_post"]["errors"] == 0,
        }
        return {
            "db": kind,
            "codes": len(codes),
            "conns": conns,
            "best_conns": best_conns,
            "wave_saturation": wave_sat,
            "sweep": sweep,
            "rounds": rounds,
            "summary": summary,
            "open": opened,
            "verdict": verdict,
            "profile": profile,
            "wave_command": " ".join(wave.command()),
            "bare_command": " ".join(bare.command()),
        }
    finally:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C: clean up anyway
        try:
            for server in servers:
                server.stop()
            drop_database(kind)
            shutil.rmtree(tmp, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, previous)


# ---------------------------------------------------------------- report


def p_or_dash(d, key):
    return f"{d[key]:.1f}" if d and key in d else "–"


def section(run: dict) -> str:
    m = run["machine"]
    chdir = ROOT if run["served_from"] == str(ROOT) else f"<copy of {ROOT}>"
    lines = [
        f"### Run {run['date']}",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}; {m['gunicorn']}, {m['wrk']}, SQLite {m['sqlite']}, "
        f"PostgreSQL {m['postgres']}",
        f"- Wave: commit {run['code']['commit']}"
        + (" with uncommitted changes in wave/" if run["code"]["app_dirty"] else "")
        + (
            f"; served from {run['served_from']} taken at the start"
            if run["served_from"] != str(ROOT)
            else ""
        )
        + (
            (
                " (the checkout moved on to " + run["code"]["commit_after"] + " meanwhile)"
                if run["served_from"] != str(ROOT)
                else " — **the app's code changed during this run: figures mix two versions**"
            )
            if run["code"].get("changed_during_run")
            else ""
        ),
        f"- Command: `{run['command']}`",
        f"- Servers: `gunicorn --chdir {chdir} -k gevent -w {run['workers']} -b 127.0.0.1:PORT "
        f"'{run['wave_app']}'` and the same with `'bench.bare_app:create_app()'`; "
        f'WAVE_SUBMIT_LIMIT_PER_ADDRESS and WAVE_SUBMIT_LIMIT_PER_CODE raised to "{LIMIT}"'
        + (
            "; WAVE_REDIS_URL set (Socket.IO queue and rate-limit storage in Redis)"
            if run["redis"]
            else "; WAVE_REDIS_URL unset (in-memory rate-limit storage)"
        ),
        f"- Rounds: closed loop with wrk, {run['rounds']} POST and {run['pair_rounds']} GET+POST "
        f"rounds of {run['round_seconds']} s per app, alternating bare/Wave; open loop with the "
        f"asyncio client, Poisson arrivals, {run['open_seconds']} s (Wave)",
        "",
        "| | SQLite | PostgreSQL |"
        if len(run["dbs"]) == 2
        else f"| | {'SQLite' if run['dbs'][0]['db'] == 'sqlite' else 'PostgreSQL'} |",
        "|---|" + "---|" * len(run["dbs"]),
    ]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(d) for d in run["dbs"]) + " |")

    def rates(d, mode, who):
        s = d["summary"].get(mode)
        if not s:
            return "–"
        return f"**{s[f'{who}_rate']:.0f}**/s ({', '.join(f'{x:.0f}' for x in s[f'{who}_rates'])})"

    def openrow(d, key, part, q):
        r = d["open"].get(key)
        return p_or_dash(r[part] if r else None, q)

    row("concurrency (closed loop)", lambda d: str(d["conns"]))
    row("bare POST rate, median (rounds)", lambda d: rates(d, "post", "bare"))
    row("Wave POST rate, median (rounds)", lambda d: rates(d, "post", "wave"))
    row(
        "**ratio Wave/bare (POST)** — target ≥ 0.6",
        lambda d: (
            f"**{d['summary']['post']['ratio']:.2f}** "
            f"({d['summary']['post']['ratio_range'][0]:.2f}–"
            f"{d['summary']['post']['ratio_range'][1]:.2f}) "
            + ("PASS" if d["verdict"]["ratio_ok"] else "**FAIL**")
        ),
    )
    row("bare GET+POST pairs/s", lambda d: rates(d, "pair", "bare"))
    row("Wave GET+POST pairs/s", lambda d: rates(d, "pair", "wave"))
    row(
        "ratio Wave/bare (pairs)",
        lambda d: f"{d['summary']['pair']['ratio']:.2f}" if "pair" in d["summary"] else "–",
    )
    row("Wave saturation used for 70 %", lambda d: f"{d['wave_saturation']:.0f}/s")
    row(
        "open loop: offered → answered 303/s (Wave POST)",
        lambda d: (
            f"{d['open']['wave_post']['offered_rate']:.0f} → "
            f"{d['open']['wave_post']['achieved_rate']:.0f} "
            f"(errors {d['open']['wave_post']['errors']})"
        ),
    )
    row(
        "Wave POST p50 / p95 / p99 at 70 % (ms)",
        lambda d: " / ".join(openrow(d, "wave_post", "post_ms", q) for q in ("p50", "p95", "p99")),
    )
    row(
        "**p95 < 50 ms at 70 %**",
        lambda d: (
            ("PASS" if d["verdict"]["p95_ok"] else "**FAIL**")
            + f" ({openrow(d, 'wave_post', 'post_ms', 'p95')} ms)"
            + (
                " — disturbed, not to be trusted"
                if d["open"]["wave_post"].get("disturbed")
                or d["summary"]["post"]["disturbed_rounds"]
                else ""
            )
        ),
    )
    row(
        "bare POST p50 / p95 / p99, same rate (ms)",
        lambda d: " / ".join(openrow(d, "bare_post", "post_ms", q) for q in ("p50", "p95", "p99")),
    )
    row(
        "Wave GET+POST pair p50 / p95 / p99 at 70 % of pair rate (ms)",
        lambda d: " / ".join(openrow(d, "wave_pair", "pair_ms", q) for q in ("p50", "p95", "p99")),
    )
    row("Wave POST within the pair p95 (ms)", lambda d: openrow(d, "wave_pair", "post_ms", "p95"))
    row(
        "bare GET+POST pair p50 / p95 / p99 (ms)",
        lambda d: " / ".join(openrow(d, "bare_pair", "pair_ms", q) for q in ("p50", "p95", "p99")),
    )
    row(
        "cores at saturation: Wave worker / PostgreSQL / bare worker",
        lambda d: (
            f"{d['summary']['post']['wave_server_cores']:.2f} / "
            f"{d['summary']['post']['wave_pg_cores']:.2f} / "
            f"{d['summary']['post']['bare_server_cores']:.2f}"
        ),
    )
    row(
        "load generator cores: wrk (max) / asyncio client at 70 %",
        lambda d: (
            f"{max(d['summary'][m]['wrk_cores'] for m in d['summary']):.2f} / "
            f"{d['open']['wave_post']['client_cores']:.2f}"
        ),
    )
    row(
        "other work on the machine: max cores in a kept round; rounds still disturbed",
        lambda d: (
            f"{max(d['summary'][m]['other_cores'] for m in d['summary']):.2f}; "
            f"{sum(d['summary'][m]['disturbed_rounds'] for m in d['summary'])}"
            + (" + open loop" if any(r.get("disturbed") for r in d["open"].values()) else "")
        ),
    )
    for d in run["dbs"]:
        prof = d.get("profile")
        if prof:
            lines += [
                "",
                f"py-spy of the Wave worker, {d['db']}, POST round at "
                f"{prof['rate_during']:.0f}/s (share of busy samples, inclusive):",
                "",
            ]
            lines += [f"- {share:.1f}% `{frame}`" for share, frame in prof["wave_frames"][:12]]
    lines += ["", f"Raw figures: `bench/out/{run['file']}` (not committed).", ""]
    return "\n".join(lines)


def update_results(run: dict):
    text = RESULTS.read_text() if RESULTS.exists() else f"# Submit benchmark results\n\n{MARKER}\n"
    if MARKER not in text:
        text = text.rstrip() + f"\n\n{MARKER}\n"
    head, tail = text.split(MARKER, 1)
    RESULTS.write_text(head + MARKER + "\n\n" + section(run).rstrip() + "\n\n" + tail.lstrip("\n"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=3, help="POST rounds per app")
    parser.add_argument("--pair-rounds", type=int, default=2, help="GET+POST rounds per app")
    parser.add_argument("--round-seconds", type=float, default=10)
    parser.add_argument("--sweep-seconds", type=float, default=3)
    parser.add_argument("--open-seconds", type=float, default=20)
    parser.add_argument(
        "--open-rates",
        type=lambda text: [float(r) for r in text.split(",") if r],
        default=[],
        help="more open-loop POST runs of Wave at these rates (e.g. 100,130,160), after the 70 %%",
    )
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (production: 1)")
    parser.add_argument("--redis", action="store_true", help="set WAVE_REDIS_URL (db 15)")
    parser.add_argument(
        "--wave-app",
        default="wave:create_app()",
        help="gunicorn app for Wave (experiments: bench/wave_variants.py)",
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy round (done when bench/.venv/bin/py-spy exists)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="seconds to wait for other work on the machine to stop",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="times a group of rounds is run again when other work disturbed it",
    )
    parser.add_argument(
        "--no-snapshot",
        dest="snapshot",
        action="store_false",
        help="serve the checkout itself, not a copy taken at the start",
    )
    parser.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    args.profile = args.profile and PY_SPY.exists()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")

    started = time.monotonic()
    now = datetime.now(UTC)
    run_id = now.strftime("%Y%m%d%H%M%S")
    run = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "command": " ".join([".venv/bin/python", "bench/submit_bench.py", *sys.argv[1:]]),
        "workers": args.workers,
        "redis": args.redis,
        "wave_app": args.wave_app,
        "rounds": args.rounds,
        "pair_rounds": args.pair_rounds,
        "round_seconds": args.round_seconds,
        "open_seconds": args.open_seconds,
        "dbs": [],
    }
    run["code"] = code_version()
    app_tmp = Path(tempfile.mkdtemp(prefix="wave-bench-app-"))
    try:
        app_dir = snapshot(app_tmp) if args.snapshot else ROOT
        run["served_from"] = "a copy of the checkout" if args.snapshot else str(ROOT)
        for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            run["dbs"].append(bench_database(kind, args, run_id, app_dir))
    finally:
        shutil.rmtree(app_tmp, ignore_errors=True)
    after = code_version()
    run["code"]["changed_during_run"] = after["app_digest"] != run["code"]["app_digest"]
    if run["code"]["changed_during_run"]:
        run["code"]["commit_after"] = after["commit"]
        log(
            f"note: the checkout moved on during the run ({run['code']['commit']} -> "
            f"{after['commit']})"
            + (
                "; the figures are for the copy taken at the start"
                if args.snapshot
                else "; the figures MIX TWO VERSIONS"
            )
        )
    run["elapsed_s"] = round(time.monotonic() - started)
    OUT.mkdir(exist_ok=True)
    run["file"] = f"submit-{run_id}.json"
    (OUT / run["file"]).write_text(json.dumps(run, indent=1, default=str))
    text = section(run)
    log("\n" + text)
    log(f"total time {run['elapsed_s']} s")
    if not args.no_results:
        update_results(run)
        log(f"added to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
