"""Fill a database with a realistic history of a facility service desk: the data behind the
reports and archive-search benchmark (issue #6).

    .venv/bin/python bench/generate_requests.py postgresql://postgres@127.0.0.1:5432/wave_bench \\
        --drop [--requests 1000000] [--places 5000] [--staff 200] [--years 2] [--seed 1]

The database comes from the URL argument, --database-url or WAVE_DATABASE_URL; --drop drops
and recreates it first (a SQLite file is deleted), otherwise it must hold no requests yet.
The schema is made by the real migrations, then:

- PostgreSQL: foreign keys, and the history tables' unique constraints and secondary indexes,
  are dropped (their definitions kept); the reference data (places, people, catalogue,
  tenants, SLA) is COPYed and committed; the history is COPYed with FREEZE in one transaction,
  chunk by chunk (--chunk requests) while the next chunk is generated; each request's link
  to the one it repeats is then set by one UPDATE (its migration's) and the table rewritten
  packed; then the indexes and constraints are made again from their saved definitions
  (which validates every foreign key), the sequences are set past the largest ids, and
  everything is vacuumed and analysed.
- SQLite (smoke tests, small sizes): the same rows through executemany; foreign keys are
  checked with PRAGMA foreign_key_check at the end; the links to repeated requests are set
  by the same UPDATE.

Everything random comes from --seed, and --now (default: the current minute) ends the
history: the same seed and --now give the same database. Staff sign in with the password
`wave-bench` (admin, manager, dispatcher, and the generated usernames such as i.sokolov).
--results adds the run to bench/RESULTS.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:  # this checkout's `wave`, not the standard library's
    sys.path.insert(0, str(ROOT))
if str(BENCH) not in sys.path:  # the generator's other modules, and submit_bench
    sys.path.append(str(BENCH))

import sqlalchemy as sa  # noqa: E402
from generate_requests_history import (  # noqa: E402
    COLUMNS,
    DAY,
    HISTORY_TABLES,
    OPEN,
    REFERENCE_TABLES,
    SPELLED,
    Clock,
    History,
    World,
    _dt,
    arrivals,
    draw,
)

from wave import create_app  # noqa: E402
from wave.extensions import db  # noqa: E402
from wave.requests import repeats  # noqa: E402

RESULTS = BENCH / "RESULTS.md"
HEADING = "# Reports and search: the million-request database"
MARKER = "<!-- runs: generate_requests.py --results adds each run below this line, newest first -->"


def log(*args):
    print(*args, flush=True)


# =============================================================================== writing rows
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_DAYS: dict[int, str] = {}
_EPOCH = date(1970, 1, 1).toordinal()


_CLOCK: list[str] = []  # "HH:MM:SS." for each second of a day
_MILLIS = [f"{ms:03d}+00" for ms in range(1000)]


def _ts_text(t: float) -> str:
    """A moment (kept to the millisecond) as PostgreSQL reads it. The history's most
    frequent value, spelled from tables: formatting numbers is slow."""
    if not _CLOCK:
        _CLOCK.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}." for s in range(86400))
    day, ms = divmod(int(t * 1000 + 0.5), 86_400_000)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = date.fromordinal(_EPOCH + day).isoformat() + " "
    second, ms = divmod(ms, 1000)
    return prefix + _CLOCK[second] + _MILLIS[ms]


def _text(value: str) -> str:
    """Text escaped for COPY. Most texts need nothing, and translate() is slow on Cyrillic."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _json_text(data: dict) -> str:
    # As the app stores it: json.dumps' defaults (SQLAlchemy's JSON type), escaped for COPY.
    spelled = SPELLED.get(id(data))
    if spelled is not None:
        return spelled[1]
    if len(data) == 1 and "message_id" in data:  # a comment: the most frequent payload
        return '{"message_id": ' + str(data["message_id"]) + "}"
    return json.dumps(data).replace("\\", "\\\\")  # JSON escapes the rest itself


_SPELL = {
    "i": "str({})",
    "s": "S({})",
    "t": "T({})",
    "b": "('t' if {} else 'f')",
    "j": "J({})",
    "d": "{}.isoformat()",
}


def _copy_line(columns):
    """A function spelling a row as one line of COPY's text format (compiled per table:
    this runs some twenty million times)."""
    names = [f"v{i}" for i in range(len(columns))]
    values = [
        f"('\\\\N' if {v} is None else {_SPELL[kind].format(v)})"
        for v, (_name, kind) in zip(names, columns, strict=True)
    ]
    source = f"def line(row):\n    {', '.join(names)}, = row\n"
    source += f"    return '\\t'.join(({', '.join(values)},))\n"
    namespace = {"S": _text, "T": _ts_text, "J": _json_text}
    exec(source, namespace)  # noqa: S102 (our own source, built from COLUMNS)
    return namespace["line"]


class Copier(threading.Thread):
    """COPYs chunks into PostgreSQL while the next chunk is generated: one transaction that
    truncates the history tables first, so that COPY can FREEZE the rows (no later
    rewrite of every page to mark it visible)."""

    def __init__(self, dsn: str, tables):
        super().__init__(name="copier", daemon=True)
        self.dsn, self.tables = dsn, tables
        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.busy = self.commit_seconds = 0.0

    def run(self):
        import psycopg2

        try:
            conn = psycopg2.connect(self.dsn)
            cur = conn.cursor()
            cur.execute("SET synchronous_commit = off")
            cur.execute("TRUNCATE " + ", ".join(self.tables))
            while (item := self.queue.get()) is not None:
                table, columns, payload = item
                began = time.perf_counter()
                statement = f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)"
                cur.copy_expert(statement, io.StringIO(payload), size=1 << 20)
                self.busy += time.perf_counter() - began
            began = time.perf_counter()
            conn.commit()
            self.commit_seconds = time.perf_counter() - began
            conn.close()
        except BaseException as exc:  # told to the producer at its next put()
            self.error = exc
            while self.queue.get() is not None:
                pass

    def put(self, item):
        if self.error is not None:
            raise RuntimeError(f"COPY failed: {self.error}") from self.error
        self.queue.put(item)

    def finish(self):
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise RuntimeError(f"COPY failed: {self.error}") from self.error


class PostgresSink:
    """Rows to PostgreSQL with COPY: reference data in a transaction of its own, the history
    through a Copier."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self.rows: dict[str, list] = {t: [] for t in COLUMNS}
        self.lines = {t: _copy_line(c) for t, c in COLUMNS.items()}
        self.names = {t: ", ".join(name for name, _kind in c) for t, c in COLUMNS.items()}
        self.written: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.copier: Copier | None = None
        self.format_seconds = self.wait_seconds = 0.0

    def add(self, table: str, row: tuple):
        self.rows[table].append(row)

    def _payload(self, table: str) -> str:
        began = time.perf_counter()
        line, rows = self.lines[table], self.rows[table]
        payload = "\n".join([line(r) for r in rows]) + "\n"
        self.written[table] += len(rows)
        self.rows[table] = []
        self.format_seconds += time.perf_counter() - began
        return payload

    def write_reference(self, rows_by_table: dict):
        import psycopg2

        conn = psycopg2.connect(self.dsn)
        with conn, conn.cursor() as cur:
            for table in REFERENCE_TABLES:
                self.rows[table] = rows_by_table[table]
                if not self.rows[table]:
                    continue
                payload = self._payload(table)
                statement = f"COPY {table} ({self.names[table]}) FROM STDIN"
                cur.copy_expert(statement, io.StringIO(payload))
        conn.close()

    def begin_history(self):
        self.copier = Copier(self.dsn, HISTORY_TABLES)
        self.copier.start()

    def flush(self):
        for table in HISTORY_TABLES:
            if self.rows[table]:
                payload = self._payload(table)
                began = time.perf_counter()
                self.copier.put((table, self.names[table], payload))
                self.wait_seconds += time.perf_counter() - began

    def close(self):
        self.flush()
        began = time.perf_counter()
        self.copier.finish()
        self.wait_seconds += time.perf_counter() - began


class SqliteSink:
    """The same rows into SQLite with executemany (small smoke-test databases)."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url)
        self.conn = self.engine.connect()
        # Loaded in the history's order, not the foreign keys': checked at the end instead.
        self.conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        self.rows: dict[str, list] = {t: [] for t in COLUMNS}
        self.written: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.format_seconds = 0.0

    def add(self, table: str, row: tuple):
        self.rows[table].append(row)

    def _write(self, table: str):
        rows = self.rows[table]
        if not rows:
            return
        began = time.perf_counter()
        columns = COLUMNS[table]
        times = [i for i, (_n, kind) in enumerate(columns) if kind == "t"]
        names = [name for name, _kind in columns]
        values = []
        for row in rows:
            row = list(row)
            for i in times:
                if row[i] is not None:
                    row[i] = _dt(row[i])
            values.append(dict(zip(names, row, strict=True)))
        self.conn.execute(db.metadata.tables[table].insert(), values)
        self.written[table] += len(rows)
        self.rows[table] = []
        self.format_seconds += time.perf_counter() - began

    def write_reference(self, rows_by_table: dict):
        for table in REFERENCE_TABLES:
            self.rows[table] = rows_by_table[table]
            self._write(table)
        self.conn.commit()

    def begin_history(self):
        pass

    def flush(self):
        for table in HISTORY_TABLES:
            self._write(table)
        self.conn.commit()

    def close(self):
        self.flush()
        broken = self.conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        self.conn.exec_driver_sql("ANALYZE")
        self.conn.commit()
        self.conn.close()
        self.engine.dispose()
        if broken:
            raise SystemExit(f"foreign keys broken: {broken[:10]}")


# =============================================================================== the schema
FILLED_AFTER_LOAD = {"service_requests": ["repeat_of_id"]}
"""Columns no row is written with: one statement computes them over the loaded history
(link_repeats)."""


def check_columns(engine):
    """The columns written (or filled after the load) must exist and not be generated; a
    column left out must be one the database can fill (nullable or with a default). Run
    after the migrations."""
    inspector = sa.inspect(engine)
    for table, columns in COLUMNS.items():
        present = {c["name"]: c for c in inspector.get_columns(table)}
        mine = [name for name, _kind in columns] + FILLED_AFTER_LOAD.get(table, [])
        wrong = [n for n in mine if n not in present or present[n].get("computed")]
        if wrong:
            raise SystemExit(f"{table}: cannot write {wrong} (gone or generated): update COLUMNS")
        left = [n for n, c in present.items() if n not in mine and not c.get("computed")]
        needed = [
            n for n in left if not present[n]["nullable"] and present[n].get("default") is None
        ]
        if needed:
            raise SystemExit(f"{table}: new required columns {needed}: update COLUMNS")
        if left:
            log(f"  note: {table}.{', '.join(left)} left to the database's default (NULL)")


def link_repeats(url: str, conn=None):
    """Every request's repeat_of_id (the request it repeats), by the UPDATE the column's
    migration ran: Wave sets each link as it creates a request, the history is loaded without
    Wave. On PostgreSQL (`conn`) before the indexes are made again; then the table is
    rewritten (FULL, FREEZE), packed and frozen as COPY left it: the UPDATE left a dead copy
    of every request that repeats another."""
    if conn is None:
        engine = sa.create_engine(url)
        with engine.begin() as sqlite:
            sqlite.exec_driver_sql(repeats.backfill_sql("sqlite"))
        engine.dispose()
        return
    cur = conn.cursor()
    cur.execute(repeats.backfill_sql("postgresql"))
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM (FULL, FREEZE) service_requests")
    conn.autocommit = False


def drop_constraints(conn) -> list[tuple[str, str]]:
    """Drop every foreign key, and the history tables' unique constraints and secondary
    indexes (the archive search's expression and GIN indexes among them). Returns the
    statements that make them again, indexes first, foreign keys last."""
    cur = conn.cursor()
    history = list(HISTORY_TABLES)
    cur.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
           FROM pg_constraint WHERE connamespace = 'public'::regnamespace
             AND (contype = 'f' OR (contype = 'u' AND conrelid::regclass::text = ANY(%s)))
           ORDER BY contype, conrelid::regclass::text, conname""",
        (history,),
    )
    constraints = cur.fetchall()
    cur.execute(
        """SELECT t.relname, c.relname, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_class t ON t.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
           WHERE n.nspname = 'public' AND t.relname = ANY(%s) AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                             WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
           ORDER BY t.relname, c.relname""",
        (history,),
    )
    indexes = cur.fetchall()
    for table, name, _definition, _kind in constraints:  # foreign keys sort first
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _table, name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    conn.commit()
    build = [(f"index {t}.{n}", d) for t, n, d in indexes]
    build += [
        (f"unique {t}.{n}", f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}')
        for t, n, d, kind in constraints
        if kind == "u"
    ]
    build.sort(key=lambda b: -HISTORY_TABLES.index(b[0].split()[1].split(".")[0]))
    build += [
        (f"foreign key {t}.{n}", f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}')
        for t, n, d, kind in constraints
        if kind == "f"
    ]
    return build


def rebuild(conn, statements) -> dict[str, float]:
    """Indexes and constraints made again (each foreign key validated as it is added)."""
    cur = conn.cursor()
    cur.execute("SET maintenance_work_mem = '1GB'")
    cur.execute("SET max_parallel_maintenance_workers = 2")
    took: dict[str, float] = {}
    for what, statement in statements:
        began = time.perf_counter()
        cur.execute(statement)
        conn.commit()
        took[what] = time.perf_counter() - began
        if took[what] > 1:
            log(f"  {what}: {took[what]:.1f} s")
    return took


def reset_sequences(conn):
    cur = conn.cursor()
    for table, columns in COLUMNS.items():
        if columns[0][0] == "id":
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce(max(id), 0) + 1, false) FROM {table}"
            )
    conn.commit()


def prepare_database(url: str, drop: bool):
    """A PostgreSQL database that exists (dropped and made anew with --drop); for SQLite,
    the file removed with --drop."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        if drop:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg2

    parts = urlsplit(_dsn(url))
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cur:
        if drop:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def _dsn(url: str) -> str:
    """A libpq URI from a SQLAlchemy URL."""
    for prefix in ("postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def make_app(url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "wave-bench-generator",  # not written to instance/
            "WAVE_REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WAVE_SMTP_HOST": None,
        }
    )


def read_sla(app, world: World):
    """The targets of every category × priority × class, each site's calendar, the default
    escalation rules and the auto-close delay, read through the app's own code from the
    reference data just loaded."""
    from wave import settings
    from wave.qr.models import Site as SiteRow
    from wave.requests.models import PRIORITIES as APP_PRIORITIES
    from wave.requests.models import Category
    from wave.sla import policies
    from wave.sla.models import EscalationRule

    with app.app_context():
        targets = {}
        for item in world.items:
            category = db.session.get(Category, item.id)
            for priority in APP_PRIORITIES:
                for cls in "ABC":
                    found = policies.targets_for(category, priority, cls)
                    targets[item.id, priority, cls] = (
                        found.response_minutes,
                        found.resolution_minutes,
                    )
        calendars = {
            s.id: policies.calendar_for(db.session.get(SiteRow, s.id)) for s in world.sites
        }
        rules = {}
        for rule in db.session.scalars(
            sa.select(EscalationRule).where(EscalationRule.active).order_by(EscalationRule.id)
        ):
            if rule.team_id is None and rule.category_id is None:
                rules.setdefault(rule.kind, (rule.id, rule.minutes))
        days = settings.get("requests.autoclose_days")
        db.session.remove()
    return targets, calendars, rules, days


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in db.metadata.sorted_tables
        }


def postgres_sizes(conn) -> tuple[int, dict]:
    cur = conn.cursor()
    cur.execute("SELECT pg_database_size(current_database())")
    total = cur.fetchone()[0]
    cur.execute(
        """SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r'"""
    )
    return total, {name: (heap, index) for name, heap, index in cur.fetchall()}


def distributions(engine, now: float) -> list[str]:
    """A few figures of the generated history, to see that it looks like a building."""
    pg = engine.dialect.name == "postgresql"
    weekday = "extract(isodow FROM created_at)" if pg else "strftime('%w', created_at)"
    month = "extract(month FROM created_at)" if pg else "CAST(strftime('%m', created_at) AS INT)"
    lines = []
    with engine.connect() as conn:

        def rows(sql, **params):
            return conn.execute(sa.text(sql), params).all()

        def shares(pairs, total):
            return ", ".join(f"{key} {n / total:.1%}" for key, n in pairs)

        total = rows("SELECT count(*) FROM service_requests")[0][0] or 1
        status = rows("SELECT status, count(*) FROM service_requests GROUP BY 1 ORDER BY 2 DESC")
        lines.append("status: " + shares(status, total))
        lines.append(
            "source: "
            + shares(
                rows("SELECT source, count(*) FROM service_requests GROUP BY 1 ORDER BY 2 DESC"),
                total,
            )
        )
        open_ = sum(n for s, n in status if s in OPEN)
        overdue = rows(
            "SELECT count(*) FROM service_requests WHERE (status <> 'on_hold' AND next_due_at"
            " <= :now) OR (status = 'on_hold' AND resolution_due_at <= hold_started_at)",
            now=_dt(now),
        )[0][0]
        ages = rows(
            "SELECT count(*) FILTER (WHERE created_at > :day), count(*) FILTER (WHERE"
            " created_at > :week), count(*) FILTER (WHERE created_at > :month)"
            " FROM service_requests WHERE status IN ('new', 'assigned', 'in_progress',"
            " 'on_hold', 'reopened')",
            day=_dt(now - DAY),
            week=_dt(now - 7 * DAY),
            month=_dt(now - 30 * DAY),
        )[0]
        lines.append(
            f"open now {open_:,} ({overdue:,} overdue): {ages[0]:,} from the last day,"
            f" {ages[1] - ages[0]:,} from the week before, {ages[2] - ages[1]:,} from the"
            f" month before, {open_ - ages[2]:,} older"
        )
        met = rows(
            "SELECT count(*) FILTER (WHERE first_response_at <= response_due_at),"
            " count(*) FILTER (WHERE first_response_at IS NOT NULL),"
            " count(*) FILTER (WHERE resolved_at <= resolution_due_at),"
            " count(*) FILTER (WHERE resolved_at IS NOT NULL) FROM service_requests"
        )[0]
        lines.append(
            f"response in time {met[0] / max(met[1], 1):.1%} of answered,"
            f" resolution in time {met[2] / max(met[3], 1):.1%} of resolved"
        )
        days = dict(rows(f"SELECT {weekday}, count(*) FROM service_requests GROUP BY 1"))
        order = [1, 2, 3, 4, 5, 6, 7] if pg else ["1", "2", "3", "4", "5", "6", "0"]
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        lines.append(
            "by weekday (UTC): "
            + shares([(n, days.get(d, 0)) for n, d in zip(names, order, strict=True)], total)
        )
        hvac = dict(
            rows(
                f"SELECT {month}, count(*) FROM service_requests r JOIN categories c"
                " ON c.id = r.category_id JOIN categories g ON g.id = c.parent_id"
                " WHERE g.name = 'HVAC' GROUP BY 1"
            )
        )
        per_month = dict(rows(f"SELECT {month}, count(*) FROM service_requests GROUP BY 1"))
        lines.append(
            "HVAC share by month: "
            + ", ".join(
                f"{m}: {hvac.get(m, 0) / max(per_month.get(m, 0), 1):.0%}"
                for m in sorted(per_month)
            )
        )
        staff = [
            n
            for (n,) in rows(
                "SELECT count(*) FROM service_requests WHERE assignee_id IS NOT NULL"
                " GROUP BY assignee_id ORDER BY 1 DESC"
            )
        ]
        if staff:
            top = sum(staff[: max(1, len(staff) // 10)]) / sum(staff)
            lines.append(
                f"assignees: {len(staff)}; the busiest took {staff[0]:,} requests, the median"
                f" {staff[len(staff) // 2]:,}; the busiest tenth {top:.0%} of all"
            )
        rooms = [
            n
            for (n,) in rows(
                "SELECT count(*) FROM service_requests GROUP BY location_id ORDER BY 1 DESC"
            )
        ]
        assets = [
            n
            for (n,) in rows(
                "SELECT count(*) FROM service_requests WHERE asset_id IS NOT NULL"
                " GROUP BY asset_id ORDER BY 1 DESC"
            )
        ]
        if rooms and assets:
            top = sum(rooms[: max(1, len(rooms) // 50)]) / sum(rooms)
            lines.append(
                f"rooms: the busiest {rooms[0]:,} requests, the median {rooms[len(rooms) // 2]:,};"
                f" the busiest 2 % of rooms {top:.0%} of all; assets: the busiest"
                f" {assets[0]:,}, the median {assets[len(assets) // 2]:,}"
            )
        kinds = rows("SELECT kind, count(*) FROM request_events GROUP BY 1 ORDER BY 2 DESC")
        lines.append("events: " + ", ".join(f"{k} {n:,}" for k, n in kinds))
        kinds = rows("SELECT kind, count(*) FROM messages GROUP BY 1 ORDER BY 2 DESC")
        lines.append("messages: " + ", ".join(f"{k} {n:,}" for k, n in kinds))
    return lines


# =============================================================================== the run
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="database URL (or --database-url)")
    parser.add_argument("--database-url", help="default: WAVE_DATABASE_URL")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--places", type=int, default=5000, help="rooms, floors and assets")
    parser.add_argument("--staff", type=int, default=200, help="staff in teams (plus the desk)")
    parser.add_argument("--years", type=float, default=2.0, help="history ending --now")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", help="end of the history, ISO 8601 (default: this minute)")
    parser.add_argument("--chunk", type=int, default=20_000, help="requests per COPY round")
    parser.add_argument("--drop", action="store_true", help="drop and recreate the database")
    parser.add_argument("--results", action="store_true", help="add the run to RESULTS.md")
    args = parser.parse_args(argv)
    args.url = args.url or args.database_url or os.environ.get("WAVE_DATABASE_URL")
    if not args.url:
        parser.error("give a database URL (argument, --database-url or WAVE_DATABASE_URL)")
    if args.requests < 1 or args.places < 8 or args.staff < 1 or args.years <= 0:
        parser.error("--requests ≥ 1, --places ≥ 8, --staff ≥ 1, --years > 0")
    return args


class Phases:
    """Wall time of each step, printed as it ends."""

    def __init__(self):
        self.began = self.mark = time.perf_counter()
        self.took: dict[str, float] = {}

    def done(self, name: str):
        now = time.perf_counter()
        self.took[name] = now - self.mark
        self.mark = now
        log(f"[{now - self.began:7.1f} s] {name}: {self.took[name]:.1f} s")


def main(argv=None) -> dict:
    args = parse_args(argv)
    postgres = not args.url.startswith("sqlite")
    phases, load_before = Phases(), os.getloadavg()[0]
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    now = (now if now.tzinfo else now.replace(tzinfo=UTC)).replace(second=0, microsecond=0)
    end = now.timestamp()
    start = end - args.years * 365 * DAY
    log(
        f"Generating {args.requests:,} requests, {args.places:,} places, {args.staff} staff, "
        f"{_dt(start):%Y-%m-%d} to {_dt(end):%Y-%m-%d %H:%M} UTC, seed {args.seed}"
    )
    app, engine_url = migrate(args.url, args.drop)
    phases.done("database created and migrated")
    if postgres:
        import psycopg2

        conn = psycopg2.connect(_dsn(args.url))
        statements = drop_constraints(conn)
        phases.done(f"{len(statements)} constraints and indexes dropped")
        sink = PostgresSink(_dsn(args.url))
    else:
        sink = SqliteSink(engine_url)
    rng = random.Random(args.seed)
    world = World(args, rng, start, end)
    sink.write_reference(world.rows)
    targets, calendars, rules, days = read_sla(app, world)
    for site in world.sites:
        site.clock = Clock(calendars[site.id], start, end)
    phases.done("reference data")
    details = generate(args, History(world, sink, (targets, rules, days), end), sink, phases)
    phases.done("history generated and loaded")
    link_repeats(engine_url, conn if postgres else None)
    phases.done("repeat failures linked")
    if postgres:
        took = rebuild(conn, statements)
        details["foreign keys validated"] = sum(
            seconds for what, seconds in took.items() if what.startswith("foreign")
        )
        phases.done("indexes and constraints made again")
        reset_sequences(conn)
        conn.autocommit = True
        conn.cursor().execute("VACUUM (ANALYZE)")
        phases.done("sequences set, VACUUM (ANALYZE)")
        conn.close()
    phases.took["total"] = time.perf_counter() - phases.began
    run = {
        "args": args,
        "argv": sys.argv[1:] if argv is None else argv,
        "phases": phases.took,
        "details": details,
        "load": (load_before, os.getloadavg()[0]),
        "now": now,
        **describe_database(engine_url, end),
    }
    if args.results:
        write_results(run)
    return run


def migrate(url: str, drop: bool):
    """The database made (or emptied with --drop) and migrated; the app and its URL."""
    prepare_database(url, drop)
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        if db.session.scalar(sa.text("SELECT count(*) FROM service_requests")):
            raise SystemExit("the database already holds requests: use --drop to start anew")
        check_columns(db.engine)
        engine_url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
        db.engine.dispose()
    return app, engine_url


def generate(args, history: History, sink, phases: Phases) -> dict[str, float]:
    """Every request, in order of creation, written chunk by chunk; where the time went."""
    number, cpu, began = 0, time.process_time(), time.perf_counter()
    sink.begin_history()
    for batch in arrivals(history.world, args.requests):
        drawn = sorted((draw(history.world, at, site) for at, site in batch), key=lambda d: d[0])
        for at, site, item, place, source in drawn:
            number += 1
            history.release(at)
            history.request(number, at, site, item, place, source)
            if number % args.chunk == 0:
                sink.flush()
                rate = number / (time.perf_counter() - began)
                log(
                    f"[{time.perf_counter() - phases.began:7.1f} s] {number:,} requests"
                    f" ({rate:,.0f}/s, ETA {(args.requests - number) / rate:,.0f} s), events"
                    f" {history.event_id:,}, messages {history.message_id:,}"
                )
    history.finish()
    sink.close()
    details = {
        "generator's CPU": time.process_time() - cpu,
        "of it spelling rows": sink.format_seconds,
    }
    if isinstance(sink, PostgresSink):
        details["COPY running alongside"] = sink.copier.busy
        details["generator waiting for COPY"] = sink.wait_seconds
        details["commit"] = sink.copier.commit_seconds
    return details


def describe_database(engine_url: str, end: float) -> dict:
    """Rows per table, sizes and distributions, printed and returned."""
    engine = sa.create_engine(engine_url)
    counts = table_counts(engine)
    figures = distributions(engine, end)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            size, sizes = postgres_sizes(conn.connection.dbapi_connection)
    else:
        size, sizes = Path(engine.url.database).stat().st_size, {}
    engine.dispose()
    log("\nRows:")
    for table, count in sorted(counts.items(), key=lambda c: -c[1]):
        if count:
            heap, index = sizes.get(table, (None, None))
            extra = f"  (table {_mib(heap)}, indexes {_mib(index)})" if heap is not None else ""
            log(f"  {table:24} {count:>12,}{extra}")
    log(f"Database size: {_mib(size)}")
    for line in figures:
        log("  " + line)
    return {"counts": counts, "size": size, "sizes": sizes, "figures": figures}


def _mib(size: int) -> str:
    return f"{size / 2**30:.2f} GiB" if size >= 2**30 else f"{size / 2**20:.1f} MiB"


def write_results(run: dict):
    """Add the run at the top of its section of bench/RESULTS.md (made if missing)."""
    from submit_bench import base_machine  # what every benchmark here says about the machine

    m = base_machine()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    args = run["args"]
    command = " ".join([".venv/bin/python bench/generate_requests.py", *run["argv"]])
    lines = [
        f"### Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (Wave {commit})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}, SQLAlchemy {sa.__version__}; {m['postgres']}, default server "
        f"settings. Load average {run['load'][0]:.1f} before, {run['load'][1]:.1f} after.",
        "",
        f"Command: `{command}`",
        "",
        f"History: {args.requests:,} requests over {args.years:g} years to "
        f"{run['now']:%Y-%m-%d %H:%M} UTC, seed {args.seed}, {args.places:,} places, "
        f"{args.staff} staff.",
        "",
        "| step | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:,.1f} |" for name, seconds in run["phases"].items()],
        "",
        "While the history was generated: "
        + ", ".join(f"{name} {seconds:,.1f} s" for name, seconds in run["details"].items())
        + ".",
        "",
        "| table | rows | table size | index size |",
        "|---|---|---|---|",
    ]
    for table, count in sorted(run["counts"].items(), key=lambda c: -c[1]):
        if count:
            heap, index = run["sizes"].get(table, (0, 0))
            lines.append(f"| {table} | {count:,} | {_mib(heap)} | {_mib(index)} |")
    lines += ["", f"**Database size: {_mib(run['size'])}.**", ""]
    lines += [f"- {line}" for line in run["figures"]] + [""]
    section = "\n".join(lines)
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if MARKER not in text:
        head = f"{HEADING}\n\n{RESULTS_INTRO}\n\n{MARKER}\n"
        text = head + "\n" + text if text else head
    text = text.replace(MARKER, f"{MARKER}\n\n{section}", 1)
    RESULTS.write_text(text)
    log(f"Added to {RESULTS}")


RESULTS_INTRO = (
    "The database the reports and archive-search benchmark runs on, made by "
    "[generate_requests.py](generate_requests.py): what it holds, and how long it takes to make."
)


if __name__ == "__main__":
    main()
