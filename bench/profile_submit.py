"""Where a tenant submission's time goes, in-process (Flask test client, SQLite, no server).

    .venv/bin/python bench/profile_submit.py [--requests 100] [--rounds 5] [--cprofile]

Prints, for the GET of the form and the POST of it, the CPU milliseconds per request and
the SQL statements each one sends, for Wave as it is and with what-if changes applied from
the outside (monkeypatches in this file; Wave's code is not touched), so the effect of each
fix suggested in bench/RESULTS.md is measured rather than guessed:

  baseline        Wave as it is
  one-catalogue   the POST computes offered_categories() once, not twice (public.py:58, :68)
  eager-parents   active_items() loads each item's group with the items (selectinload)
                  instead of one lazy SELECT per group when the form lists them (forms.py:63)
  no-wtf-i18n     WTF_I18N_ENABLED = False: Flask-WTF stops loading WTForms' .mo file on
                  every request (Wave's own messages are translated by Flask-Babel)
  all             the three together

The variants take turns in one process for several rounds (the median is shown), so drift
and noise on the machine fall on all of them.
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
VARIANTS = ("baseline", "one-catalogue", "eager-parents", "no-wtf-i18n", "all")


def setup_environment(tmp: Path):
    os.environ.update({
        "WAVE_DATABASE_URL": f"sqlite:///{tmp / 'wave.db'}",
        "WAVE_SECRET_KEY": "profile-submit",
        "WAVE_UPLOAD_FOLDER": str(tmp / "uploads"),
        "WAVE_SUBMIT_LIMIT_PER_ADDRESS": "1000000 per minute",
        "WAVE_SUBMIT_LIMIT_PER_CODE": "1000000 per minute",
    })
    os.environ.pop("WAVE_REDIS_URL", None)
    sys.path.insert(0, str(ROOT))  # Wave, not the standard library's wave module


class Variants:
    """Switches the what-if changes on and off in a running app."""

    def __init__(self, app):
        from wave.extensions import db
        from wave.requests import catalog, public
        from wave.requests.models import Category

        import flask
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        self.app, self.catalog, self.public = app, catalog, public
        self.original_offered = public.offered_categories
        self.original_items = catalog.active_items
        parent = Category.__table__.alias("parent")

        def once_per_request(location, asset):
            memo = flask.g.setdefault("_bench_offered", {})
            key = (location.id if location else None, asset.id if asset else None)
            if key not in memo:
                memo[key] = self.original_offered(location, asset)
            return memo[key]

        def eager_items():
            return list(db.session.scalars(
                select(Category)
                .join(parent, parent.c.id == Category.parent_id)
                .where(Category.archived_at.is_(None), parent.c.archived_at.is_(None))
                .order_by(parent.c.position, parent.c.name, Category.position, Category.name)
                .options(selectinload(Category.parent))
            ))

        self.once_per_request, self.eager_items = once_per_request, eager_items

    def use(self, name: str):
        every = name == "all"
        self.public.offered_categories = (
            self.once_per_request if every or name == "one-catalogue" else self.original_offered)
        self.catalog.active_items = (
            self.eager_items if every or name == "eager-parents" else self.original_items)
        self.app.config["WTF_I18N_ENABLED"] = not (every or name == "no-wtf-i18n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cprofile", action="store_true", help="cProfile Wave's POST as it is")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="wave-profile-"))
    try:
        setup_environment(tmp)
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path):
    from wave import create_app, demo
    from wave.extensions import db
    from wave.qr.models import QrTag

    from flask_migrate import upgrade
    from sqlalchemy import event, select

    app = create_app()
    with app.app_context():
        upgrade()
        demo.load_demo()
        codes = [t.code for t in db.session.scalars(select(QrTag).order_by(QrTag.id))
                 if t.is_usable]
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cur, sql, params, ctx, many: statements.append(sql))
    variants = Variants(app)
    client = app.test_client()
    forms = []
    for i in range(32):
        code = codes[i % len(codes)]
        page = client.get(f"/q/{code}").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', page).group(1)
        cats = [c for c in re.findall(r'<option value="(\d+)"', page) if c != "0"]
        forms.append((code, csrf, cats))
    serial = iter(range(10**9))

    def post():
        i = next(serial)
        code, csrf, cats = forms[i % len(forms)]
        answer = client.post(f"/q/{code}", data={
            "csrf_token": csrf, "submission_key": f"profile-{i}", "category": cats[i % len(cats)],
            "description": "The bin is full.", "name": "Bench Tenant",
            "phone": "+49 30 1234567", "email": "tenant@example.com"})
        assert answer.status_code == 303, answer.status_code

    def get():
        assert client.get(f"/q/{codes[next(serial) % len(codes)]}").status_code == 200

    cpu = {(v, kind): [] for v in VARIANTS for kind in ("post", "get")}
    count = {}
    for variant in VARIANTS:  # warm up, count statements
        variants.use(variant)
        for _ in range(20):
            post()
            get()
        for kind, fn in (("post", post), ("get", get)):
            statements.clear()
            fn()
            count[(variant, kind)] = len(statements)
    for _ in range(args.rounds):
        for variant in VARIANTS:
            variants.use(variant)
            for kind, fn in (("post", post), ("get", get)):
                start = time.process_time()
                for _ in range(args.requests):
                    fn()
                cpu[(variant, kind)].append((time.process_time() - start) / args.requests * 1000)
    base = statistics.median(cpu[("baseline", "post")])
    print(f"{'variant':<15}{'POST CPU ms':>12}{'SQL':>5}{'GET CPU ms':>12}{'SQL':>5}"
          f"{'POST vs baseline':>18}")
    for variant in VARIANTS:
        post_ms = statistics.median(cpu[(variant, "post")])
        get_ms = statistics.median(cpu[(variant, "get")])
        print(f"{variant:<15}{post_ms:>12.2f}{count[(variant, 'post')]:>5}{get_ms:>12.2f}"
              f"{count[(variant, 'get')]:>5}{(post_ms / base - 1) * 100:>17.0f}%")
    if args.cprofile:
        import cProfile
        import pstats

        variants.use("baseline")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            post()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(r"wave/", 25)


if __name__ == "__main__":
    main()
