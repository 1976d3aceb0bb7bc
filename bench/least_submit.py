"""The least any tenant submission that meets issue 2 must do, against the bare endpoint.

    .venv/bin/python bench/least_submit.py [--requests 200] [--rounds 7]
        [--database-url postgresql://postgres@127.0.0.1:5432/EMPTY_DB]

Issue 2 asks for submissions with CSRF protection, rate limits per address and per code,
and every acknowledged request stored; and for Wave's submit to reach 0.6× the rate of a bare
Flask endpoint (bench/bare_app.py, which stores nothing). This measures, in-process (Flask
test client, CPU time, rounds taking turns), three POSTs:

  bare           bench/bare_app.py's POST: Flask alone, nothing stored
  + CSRF, limits the same, with Flask-WTF's CSRFProtect and Flask-Limiter's two limits
                 (Wave's settings: sliding window, in-memory storage)
  least          that, and one INSERT of the submission through SQLAlchemy Core, committed
                 (SQLite in WAL mode with synchronous=NORMAL, as Wave has it; or PostgreSQL)

(Wave's own POST, and an empty view in Wave's app: bench/profile_submit.py.)

No ORM, no templates, no translations, no SLA, no timeline, no team news in `least`: if it
stays under 0.6× of bare, no implementation of the issue's submission reaches the target.
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


def least_app(database_url: str, *, store: bool):
    """Flask with CSRFProtect and two rate limits; `store`: one INSERT committed per POST."""
    import sqlalchemy as sa
    from flask import Flask, redirect, request
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from flask_wtf.csrf import CSRFProtect, generate_csrf

    app = Flask(__name__)
    app.config.update(SECRET_KEY="least", RATELIMIT_STRATEGY="sliding-window-counter")
    CSRFProtect(app)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")

    table = sa.Table(
        "least_submissions",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16)),
        sa.Column("category", sa.Integer),
        sa.Column("description", sa.Text),
        sa.Column("contact", sa.String(400)),
        sa.Column("submission_key", sa.String(64), unique=True),
        sa.Column("tracking_token", sa.String(43)),
    )
    table.metadata.drop_all(engine)
    table.metadata.create_all(engine)

    @app.get("/q/<code>")
    def form(code):
        return f'<input name="csrf_token" type="hidden" value="{generate_csrf()}">'

    @app.post("/q/<code>")
    @limiter.limit("1000000 per minute")
    @limiter.limit("1000000 per minute", key_func=lambda: "code:" + request.view_args["code"])
    def submit(code):
        form = request.form
        if not form.get("description", "").strip() or not form.get("category", "").isdigit():
            return "check the form", 422
        token = os.urandom(18).hex()
        if store:
            with engine.begin() as connection:
                connection.execute(
                    table.insert().values(
                        code=code,
                        category=int(form["category"]),
                        description=form["description"],
                        contact=" ".join(form.get(f, "") for f in ("name", "phone", "email")),
                        submission_key=form.get("submission_key"),
                        tracking_token=token,
                    )
                )
        return redirect(f"/t/{token}?submitted=1", 303)

    return app, engine


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per measurement and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="wave-least-"))
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path):
    database_url = args.database_url or f"sqlite:///{tmp / 'least.db'}"
    sys.path.insert(0, str(ROOT))  # for bench.bare_app
    from bench.bare_app import create_app as create_bare

    serial = iter(range(10**9))

    def fields(csrf, category="7"):
        return {
            "csrf_token": csrf,
            "submission_key": f"least-{next(serial)}",
            "category": category,
            "description": "The bin is full.",
            "name": "Bench Tenant",
            "phone": "+49 30 1234567",
            "email": "tenant@example.com",
        }

    def poster(client, path="/q/X"):
        page = client.get(path).get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', page).group(1)

        def post():
            answer = client.post(path, data=fields(csrf))
            assert answer.status_code == 303, answer.status_code

        return post

    limits, _ = least_app(database_url, store=False)
    least, engine = least_app(database_url, store=True)
    plan = [
        ("bare", poster(create_bare().test_client())),
        ("+ CSRF, limits", poster(limits.test_client())),
        ("least (+ one INSERT, commit)", poster(least.test_client())),
    ]
    cpu = {label: [] for label, _ in plan}
    for _label, post in plan:
        for _ in range(20):
            post()
    for _ in range(args.rounds):
        for label, post in plan:
            start = time.process_time()
            for _ in range(args.requests):
                post()
            cpu[label].append((time.process_time() - start) / args.requests * 1000)
    engine.dispose()
    bare = statistics.median(cpu["bare"])
    print(f"{engine.dialect.name}; CPU ms per POST, median of {args.rounds} rounds")
    print(f"{'':<32}{'CPU ms':>8}{'bare/this':>11}")
    for label, _ in plan:
        ms = statistics.median(cpu[label])
        print(f"{label:<32}{ms:>8.2f}{bare / ms:>11.2f}")


if __name__ == "__main__":
    main()
