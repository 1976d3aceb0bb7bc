"""Bulk import: how long a 10,000-row file of places takes to parse, validate and apply, on
SQLite and on PostgreSQL.

    .venv/bin/python bench/import_bench.py [--db sqlite|postgres|both] [--rows 10000] [--rounds 3]

Each database is fresh: SQLite in a temporary file, PostgreSQL in a database of its own
(`wave_bench_import` on 127.0.0.1:5432, user postgres; created and dropped here). Each round
imports the same generated file (20 floors, rooms, assets — children before parents, shuffled —
with offered categories and a QR tag for every room and asset) into a new, empty site, then
again unchanged, then with 1,000 rows changed (500 rooms renamed, 500 assets moved); and once
end to end through the admin pages (upload, preview page, commit). Results are printed and
added at the top of the "Bulk import" section of bench/RESULTS.md (--no-results leaves it).
"""

import argparse
import csv
import io
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # this checkout's `wave`, not the standard library's module

import openpyxl  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from wave import create_app  # noqa: E402
from wave.auth.models import User  # noqa: E402
from wave.extensions import db  # noqa: E402
from wave.qr import import_apply, importer  # noqa: E402
from wave.qr.import_files import COLUMNS, read_table  # noqa: E402
from wave.qr.models import Site  # noqa: E402
from wave.requests.models import Category  # noqa: E402

RESULTS = BENCH / "RESULTS.md"
HEADING = "# Bulk import"
MARKER = "<!-- runs: import_bench.py adds each run below this line, newest first -->"
PG_URL = "postgresql://postgres@127.0.0.1:5432/wave_bench_import"
FLOORS = 20
GROUPS = ("Cleaning", "Electrical", "Plumbing", "HVAC", "IT", "Security")
LIMITS = {"max_rows": 50_000, "max_bytes": 40 * 1024 * 1024}


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((x.split(":", 1)[1].strip() for x in info if x.startswith("model name")), "?")
    mem = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemT"))
    gib = int(mem.split()[1]) / 1024 / 1024
    return (
        f"{cpu}, {os.cpu_count()} cores, {gib:.1f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"openpyxl {openpyxl.__version__}"
    )


IMPORT_CODE = [
    "wave/qr/importer.py",
    "wave/qr/import_apply.py",
    "wave/qr/import_files.py",
    "wave/qr/import_uploads.py",
    "wave/admin/imports.py",
    "wave/qr/models.py",
    "wave/requests/models.py",
]


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)

    head = git("rev-parse", "--short", "HEAD").stdout.strip() or "?"
    dirty = git("status", "--porcelain", "--", *IMPORT_CODE).stdout.strip()
    return head + (" + uncommitted changes to the import code" if dirty else "")


# ---------------------------------------------------------------- the file
def rows(total: int, seed: int = 3) -> list[list[str]]:
    """`total` data rows: FLOORS floors, 60 % rooms, the rest assets in those rooms."""
    rooms = int((total - FLOORS) * 0.6)
    assets = total - FLOORS - rooms
    out = [["floor", f"F{f}", "", f"Floor {f}", "", "", "no"] for f in range(1, FLOORS + 1)]
    out += [
        ["room", f"R{r}", f"F{r % FLOORS + 1}", f"Room {r}", "", "Cleaning; Electrical", ""]
        for r in range(rooms)
    ]
    kinds = ("printer", "coffee machine", "air conditioner", "door")
    out += [
        ["asset", f"A{a}", f"R{a % rooms}", f"Asset {a}", kinds[a % 4], "IT", "yes"]
        for a in range(assets)
    ]
    random.Random(seed).shuffle(out)  # parents after children, as a real file may have them
    return out


def as_csv(data_rows) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows([list(COLUMNS), *data_rows])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(data_rows) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in [list(COLUMNS), *data_rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def changed(data_rows) -> list[list[str]]:
    """500 rooms renamed and 500 assets moved to another room."""
    result, renamed, moved = [], 0, 0
    for row in data_rows:
        row = list(row)
        if row[0] == "room" and renamed < 500:
            row[3] += " (renamed)"
            renamed += 1
        elif row[0] == "asset" and moved < 500:
            row[2] = "R0" if row[2] != "R0" else "R1"
            moved += 1
        result.append(row)
    return result


# ---------------------------------------------------------------- measuring
ANALYZE_SECONDS = []


def _timed_refresh(original):
    def refresh():
        start = time.perf_counter()
        original()
        ANALYZE_SECONDS.append(time.perf_counter() - start)

    return refresh


import_apply.refresh_statistics = _timed_refresh(import_apply.refresh_statistics)


class Statements:
    """Counts the SQL statements sent to the database (each batch of many rows is one)."""

    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args):
        self.count += 1


def timed(job, statements: Statements):
    before = statements.count
    cpu, wall = time.process_time(), time.perf_counter()
    result = job()
    return {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "sql": statements.count - before,
        "result": result,
    }


def new_site(number: int) -> int:
    site = Site(name=f"Bench site {number}", timezone="UTC")
    db.session.add(site)
    db.session.commit()
    return site.id


def one_round(number: int, data: dict, statements: Statements) -> dict:
    site_id = new_site(number)
    steps = {}
    steps["parse CSV"] = timed(lambda: read_table(data["csv"], "f.csv", **LIMITS), statements)
    steps["parse XLSX"] = timed(lambda: read_table(data["xlsx"], "f.xlsx", **LIMITS), statements)
    table = steps["parse CSV"]["result"]
    steps["validate (preview), new site"] = timed(
        lambda: importer.plan_import(site_id, table), statements
    )
    db.session.rollback()
    ANALYZE_SECONDS.clear()
    steps["apply: all new"] = timed(lambda: importer.apply_import(site_id, table), statements)
    steps["apply: all new"]["analyze"] = sum(ANALYZE_SECONDS)
    assert steps["apply: all new"]["result"].counts["new"] == len(table.rows)
    steps["apply again: unchanged"] = timed(
        lambda: importer.apply_import(site_id, table), statements
    )
    assert steps["apply again: unchanged"]["result"].counts["unchanged"] == len(table.rows)
    table2 = read_table(data["changed"], "f.csv", **LIMITS)
    steps["apply: 1,000 rows changed"] = timed(
        lambda: importer.apply_import(site_id, table2), statements
    )
    assert steps["apply: 1,000 rows changed"]["result"].counts["update"] == 1000
    steps["parse + validate + apply (CSV, new)"] = {
        k: steps["parse CSV"][k] + steps["apply: all new"][k] for k in ("cpu", "wall", "sql")
    }
    return steps


def through_pages(app, data: bytes, statements: Statements) -> dict:
    """The admin's way: upload (parsed once), preview page (parsed, validated), commit."""
    site_id = new_site(99)
    client = app.test_client()
    page = client.get("/login").get_data(True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "bench", "password": "bench", "csrf_token": csrf})
    page = client.get("/admin/import").get_data(True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    steps = {}
    body = {"csrf_token": csrf, "site": str(site_id), "file": (io.BytesIO(data), "places.csv")}
    steps["upload (POST)"] = timed(lambda: client.post("/admin/import", data=body), statements)
    url = steps["upload (POST)"]["result"].headers["Location"]
    steps["preview page (GET)"] = timed(lambda: client.get(url), statements)
    assert steps["preview page (GET)"]["result"].status_code == 200
    steps["commit (POST)"] = timed(lambda: client.post(url, data={"csrf_token": csrf}), statements)
    assert steps["commit (POST)"]["result"].status_code == 303
    for step in steps.values():
        step["result"].close()
    return steps


def run_database(name: str, url: str, tmp: str, data: dict, rounds: int) -> dict:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WAVE_UPLOAD_FOLDER": tmp,
            "WAVE_REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WAVE_LOGIN_LIMIT": "1000 per minute",
            "MAX_CONTENT_LENGTH": 100 * 1024 * 1024,
            "WAVE_IMPORT_MAX_BYTES": 40 * 1024 * 1024,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        version = db.session.execute(
            sa.text("select sqlite_version()" if name == "SQLite" else "show server_version")
        ).scalar()
        for position, group in enumerate(GROUPS):
            db.session.add(Category(name=group, position=position))
        db.session.add(
            User(
                username="bench",
                display_name="Bench",
                role="admin",
                password_hash=generate_password_hash("bench"),
            )
        )
        db.session.commit()
        statements = Statements(db.engine)
        results = []
        for number in range(1, rounds + 1):
            results.append(one_round(number, data, statements))
            print(
                f"{name} round {number}: "
                + ", ".join(f"{k} {v['wall']:.2f}s" for k, v in results[-1].items()),
                flush=True,
            )
        pages = through_pages(app, data["csv"], statements)
        print(f"{name} pages: " + ", ".join(f"{k} {v['wall']:.2f}s" for k, v in pages.items()))
        db.session.remove()
        db.engine.dispose()
    return {"version": version, "rounds": results, "pages": pages}


def postgres_database():
    admin = sa.create_engine(
        "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "wave_bench_import" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "wave_bench_import"'))
    return admin


def drop_postgres(admin) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "wave_bench_import" WITH (FORCE)'))
    admin.dispose()


# ---------------------------------------------------------------- report
def median(results: list[dict], step: str, key: str) -> float:
    return statistics.median(r[step][key] for r in results)


def report(runs: dict, total_rows: int, rounds: int, load: tuple[float, float], sizes) -> str:
    names = list(runs)
    steps = list(next(iter(runs.values()))["rounds"][0])
    versions = ", ".join(f"{n} {runs[n]['version']}" for n in names)
    lines = [
        f"### Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (Wave {commit()})",
        "",
        f"Machine: {machine()}; {versions}. Load average {load[0]:.1f} before the run, "
        f"{load[1]:.1f} after (other work on the machine shows in wall time, not in CPU time).",
        "",
        f"File: {total_rows:,} data rows ({FLOORS} floors, rooms, assets; shuffled so children "
        f"come before parents; categories on every room and asset; a QR tag for every room and "
        f"asset), CSV {sizes[0] / 1024:.0f} KiB, XLSX {sizes[1] / 1024:.0f} KiB. Median of "
        f"{rounds} rounds, each into a new site; wall seconds (CPU seconds of this process) "
        "and SQL statements.",
        "",
        "| step | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for step in steps:
        cells = [
            f"{median(runs[n]['rounds'], step, 'wall'):.2f} "
            f"({median(runs[n]['rounds'], step, 'cpu'):.2f} CPU), "
            f"{int(median(runs[n]['rounds'], step, 'sql'))} SQL"
            for n in names
        ]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    analyze = {
        n: statistics.median(r["apply: all new"]["analyze"] for r in runs[n]["rounds"])
        for n in names
    }
    lines += [
        "",
        "“apply: all new” writes 10,000 places, about 10,000 QR tags and the offered categories "
        "(16,000 links) in one transaction; on PostgreSQL it also refreshes the tables' "
        "statistics after the commit (ANALYZE: "
        + ", ".join(f"{n} {s:.2f} s" for n, s in analyze.items() if n != "SQLite")
        + "), so that the next import's queries are planned for the tables' real size.",
    ]
    total = "parse + validate + apply (CSV, new)"
    lines += [
        "",
        "**10,000 rows parsed, validated and applied: "
        + "; ".join(
            f"{n} {median(runs[n]['rounds'], total, 'wall'):.1f} s wall "
            f"({median(runs[n]['rounds'], total, 'cpu'):.1f} s CPU)"
            for n in names
        )
        + ".** No statement is sent per row: the site is read in 7 queries, and rows are "
        "written in batches (per level of the location tree and per table; SQLAlchemy sends a "
        "batch in pages of 1,000 rows, each page counted as one statement above).",
    ]
    lines += ["", "Through the admin pages (Flask test client, one run, CSV):", ""]
    lines += ["| request | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for step in next(iter(runs.values()))["pages"]:
        cells = [
            f"{runs[n]['pages'][step]['wall']:.2f} ({runs[n]['pages'][step]['sql']} SQL)"
            for n in names
        ]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def write_results(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if MARKER not in text:
        intro = (
            f"{HEADING}\n\nA 10,000-row file of places parsed, validated and applied in one "
            "transaction, on SQLite and PostgreSQL: [import_bench.py](import_bench.py).\n\n"
            f"{MARKER}\n"
        )
        text = intro + "\n" + text
    head, tail = text.split(MARKER, 1)
    RESULTS.write_text(f"{head}{MARKER}\n\n{section}{tail}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-results", action="store_true")
    args = parser.parse_args(argv)
    data_rows = rows(args.rows)
    data = {
        "csv": as_csv(data_rows),
        "xlsx": as_xlsx(data_rows),
        "changed": as_csv(changed(data_rows)),
    }
    load_before = os.getloadavg()[0]
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.db in ("sqlite", "both"):
            runs["SQLite"] = run_database(
                "SQLite", f"sqlite:///{tmp}/bench.db", tmp, data, args.rounds
            )
        if args.db in ("postgres", "both"):
            admin = postgres_database()
            try:
                runs["PostgreSQL"] = run_database("PostgreSQL", PG_URL, tmp, data, args.rounds)
            finally:
                drop_postgres(admin)
    section = report(
        runs,
        args.rows,
        args.rounds,
        (load_before, os.getloadavg()[0]),
        (len(data["csv"]), len(data["xlsx"])),
    )
    print("\n" + section)
    if not args.no_results:
        write_results(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
