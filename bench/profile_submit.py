"""Where a tenant submission's time goes, in-process (Flask test client, no server).

    .venv/bin/python bench/profile_submit.py [--requests 100] [--rounds 5]
        [--cprofile [post|get]] [--cprofile-by cumulative|tottime]
        [--statements] [--database-url postgresql://postgres@127.0.0.1:5432/EMPTY_DB]

SQLite in a temporary file unless --database-url names an empty PostgreSQL database; there
the table also counts the round trips to the server (psycopg2's wait callback: every
statement, and the BEGIN, COMMIT and pool pre-ping that no SQL event shows).

Prints the CPU milliseconds and SQL statements per request for:

  bare app             bench/bare_app.py's POST: Flask alone (the benchmark's baseline)
  Wave, empty view     a POST to a view added to Wave's app that only parses the form and
                       redirects, with the same two rate limits: what Wave's extensions and
                       middleware cost before the view does anything (CSRF, limiter, Babel,
                       Flask-Login, the Socket.IO middleware)
  Wave GET /q/<code>   the tenant's form
  Wave POST /q/<code>  the submission, as Wave is, then with what-if changes applied from
                       outside (monkeypatches here; Wave's code is not touched), so the effect
                       of each fix suggested in bench/RESULTS.md is measured, not guessed:
      no-wtf-i18n        WTF_I18N_ENABLED = False: Flask-WTF stops loading WTForms' .mo file
                         on every request that builds a form
      no-expire          the session keeps loaded values after commit (expire_on_commit=False),
                         so the redirect does not re-read the new request
      both               the two together

Measurements take turns in one process for several rounds (the median is shown), so drift
and noise on the machine fall on all of them alike.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POST_VARIANTS = ("baseline", "no-wtf-i18n", "no-expire", "both")


def setup_environment(tmp: Path, database_url: str | None):
    os.environ.update(
        {
            "WAVE_DATABASE_URL": database_url or f"sqlite:///{tmp / 'wave.db'}",
            "WAVE_SECRET_KEY": "profile-submit",
            "WAVE_UPLOAD_FOLDER": str(tmp / "uploads"),
            "WAVE_SUBMIT_LIMIT_PER_ADDRESS": "1000000 per minute",
            "WAVE_SUBMIT_LIMIT_PER_CODE": "1000000 per minute",
        }
    )
    os.environ.pop("WAVE_REDIS_URL", None)
    sys.path.insert(0, str(ROOT))  # Wave, not the standard library's wave module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="per measurement and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--cprofile",
        nargs="?",
        const="post",
        choices=("post", "get"),
        help="cProfile Wave's POST (or GET) as it is",
    )
    parser.add_argument(
        "--cprofile-by",
        choices=("cumulative", "tottime"),
        default="cumulative",
        help="cumulative: Wave's own functions; tottime: every function, by its own time",
    )
    parser.add_argument(
        "--statements", action="store_true", help="print the SQL of a Wave GET and POST"
    )
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="wave-profile-"))
    try:
        setup_environment(tmp, args.database_url)
        run(args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args):
    from flask import redirect, request
    from flask_migrate import upgrade
    from sqlalchemy import event, select

    from bench.bare_app import create_app as create_bare
    from wave import create_app, demo
    from wave.extensions import db, limiter
    from wave.qr.models import QrTag
    from wave.requests import public

    app = create_app()
    round_trips = count_round_trips() if args.database_url else None

    @limiter.limit(public._per_address, methods=["POST"])
    @limiter.limit(public._per_code, key_func=public._code_key, methods=["POST"])
    def empty_view(code):
        request.form.get("description")
        return redirect(f"/t/{code}?submitted=1", 303)

    app.add_url_rule("/bench/empty/<code>", "bench_empty", empty_view, methods=["POST"])
    with app.app_context():
        upgrade()
        demo.load_demo()
        codes = [
            t.code for t in db.session.scalars(select(QrTag).order_by(QrTag.id)) if t.is_usable
        ]
        statements: list[str] = []
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cur, sql, params, ctx, many: statements.append(sql),
        )
    client = app.test_client()
    forms = []
    for i in range(32):
        code = codes[i % len(codes)]
        page = client.get(f"/q/{code}").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', page).group(1)
        cats = [c for c in re.findall(r'<option value="(\d+)"', page) if c != "0"]
        forms.append((code, csrf, cats))
    serial = iter(range(10**9))

    def fields(csrf, category, i):
        return {
            "csrf_token": csrf,
            "submission_key": f"profile-{i}",
            "category": category,
            "description": "The bin is full.",
            "name": "Bench Tenant",
            "phone": "+49 30 1234567",
            "email": "tenant@example.com",
        }

    def wave_post():
        i = next(serial)
        code, csrf, cats = forms[i % len(forms)]
        answer = client.post(f"/q/{code}", data=fields(csrf, cats[i % len(cats)], i))
        assert answer.status_code == 303, answer.status_code

    def wave_get():
        assert client.get(f"/q/{codes[next(serial) % len(codes)]}").status_code == 200

    def wave_empty():
        i = next(serial)
        code, csrf, cats = forms[i % len(forms)]
        answer = client.post(f"/bench/empty/{code}", data=fields(csrf, cats[0], i))
        assert answer.status_code == 303, answer.status_code

    bare = create_bare().test_client()
    bare_page = bare.get("/q/X").get_data(as_text=True)
    bare_csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', bare_page).group(1)

    def bare_post():
        i = next(serial)
        answer = bare.post("/q/X", data=fields(bare_csrf, "7", i))
        assert answer.status_code == 303, answer.status_code

    def use(variant):
        app.config["WTF_I18N_ENABLED"] = variant not in ("no-wtf-i18n", "both")
        with app.app_context():  # a fresh scope: no session open in it to warn about
            db.session.configure(expire_on_commit=variant not in ("no-expire", "both"))

    plan = [
        ("bare app POST", "baseline", bare_post),
        ("Wave, empty view POST", "baseline", wave_empty),
        ("Wave GET /q/<code>", "baseline", wave_get),
    ]
    plan += [(f"Wave POST /q/<code> {v}", v, wave_post) for v in POST_VARIANTS]
    cpu = {label: [] for label, _, _ in plan}
    count = {}
    trips = {}
    for label, variant, fn in plan:  # warm up, count statements
        use(variant)
        for _ in range(20):
            fn()
        statements.clear()
        if round_trips:
            round_trips.clear()
        fn()
        count[label] = len(statements)
        trips[label] = len(round_trips) if round_trips is not None else ""
    for _ in range(args.rounds):
        for label, variant, fn in plan:
            use(variant)
            start = time.process_time()
            for _ in range(args.requests):
                fn()
            cpu[label].append((time.process_time() - start) / args.requests * 1000)
    use("baseline")
    base = statistics.median(cpu["Wave POST /q/<code> baseline"])
    bare_ms = statistics.median(cpu["bare app POST"])
    trips_title = "trips" if round_trips is not None else ""
    print(f"{'':<34}{'CPU ms':>8}{'SQL':>5}{trips_title:>6}{'vs Wave POST':>14}{'bare/this':>11}")
    for label, _, _ in plan:
        ms = statistics.median(cpu[label])
        print(
            f"{label:<34}{ms:>8.2f}{count[label]:>5}{trips[label]:>6}"
            f"{(ms / base - 1) * 100:>13.0f}%{bare_ms / ms:>11.2f}"
        )
    if args.statements:
        for label, fn in (("GET /q/<code>", wave_get), ("POST /q/<code>", wave_post)):
            statements.clear()
            if round_trips:
                round_trips.clear()
            fn()
            print(label + (f" ({len(round_trips)} round trips)" if round_trips is not None else ""))
            for number, sql in enumerate(statements, 1):
                print(f"{number:>3}  {' '.join(sql.split())[:150]}")
    if args.cprofile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            (wave_get if args.cprofile == "get" else wave_post)()
        profile.disable()
        stats = pstats.Stats(profile).sort_stats(args.cprofile_by)
        if args.cprofile_by == "cumulative":
            stats.print_stats(r"wave/|flask_wtf", 30)
        else:
            stats.print_stats(45)


def count_round_trips() -> list[str]:
    """Make psycopg2 wait through a callback that notes each query it waits for (what
    psycogreen does under gevent, minus the yielding): one entry per round trip."""
    import select

    import psycopg2.extensions
    from psycopg2.extensions import POLL_OK, POLL_READ, POLL_WRITE

    waits: list[str] = []

    def wait(conn):
        waits.append("wait")
        while True:
            state = conn.poll()
            if state == POLL_OK:
                return
            if state == POLL_READ:
                select.select([conn.fileno()], [], [])
            elif state == POLL_WRITE:
                select.select([], [conn.fileno()], [])

    psycopg2.extensions.set_wait_callback(wait)
    return waits


if __name__ == "__main__":
    main()
