"""Where a chat message's send time goes, in-process (Flask test client, SQLite, no server).

    PYTHONPATH=. .venv/bin/python bench/profile_chat.py [--requests 100] [--rounds 5] [--cprofile]

Prints the CPU milliseconds and SQL statements of one `POST /chats/<id>/messages` as chat.js
sends it (multipart csrf_token + client_id + body, X-CSRFToken and HX-Request headers), into a
group chat of 200 and one of 50:

  baseline       Wave as it is: since 4b88ce5 the event also carries what chat.js needs to
                 draw a plain message (at 4b88ce5..8875d85 the send rendered it for the
                 event, ~0.6-0.8 ms; from the commit after, the page's sketch is filled in
                 by chat.js instead)

and what each member who has the chat open asks the server per message, as another member:

  catch-up GET   `GET /chats/<id>/messages?after=<id>` (one new message): what chat.js asked
                 on every chat-message-posted until 4b88ce5; now only for one's own messages
                 (other devices), photos, quotes, request cards, or after a gap
  read POST      `POST /chats/<id>/read`: the reader's read mark (debounced 600 ms); its
                 answer carries the badge's total (from 2f4b1e7)
  badge GET      `GET /chats/unread`: the badge, for those not looking at that chat (and,
                 until 2f4b1e7, after each of one's own read marks)

So a message into a chat that N people have open costs about send + N × read POST of server
CPU; until 4b88ce5 it was send + N × (catch-up GET + read POST + 2 badge GETs).
(The what-ifs no-roster, no-readers and thread-room of earlier runs are in bench/RESULTS.md;
67ae413 and 81d7444 made the first two real.)

The Socket.IO fan-out itself (one WebSocket frame per member) is not in these figures: no
client is connected in-process; bench/chat_bench.py measures it.
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
VARIANTS = ("baseline",)


def setup_environment(tmp: Path):
    os.environ.update(
        {
            "WAVE_DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite:///{tmp / 'wave.db'}",
            "WAVE_SECRET_KEY": "profile-chat",
            "WAVE_UPLOAD_FOLDER": str(tmp / "uploads"),
            "WAVE_LOGIN_LIMIT": "1000000 per minute",
        }
    )
    os.environ.pop("WAVE_REDIS_URL", None)
    sys.path.insert(0, str(ROOT))  # Wave, not the standard library's wave module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="per measurement and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cprofile", action="store_true", help="cProfile the send as it is")
    parser.add_argument(
        "--statements", action="store_true", help="print the SQL of a send and a catch-up GET"
    )
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="wave-profile-chat-"))
    try:
        setup_environment(tmp)
        run(args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args):
    from flask_migrate import upgrade
    from sqlalchemy import event
    from werkzeug.security import generate_password_hash

    from wave import create_app
    from wave.auth import services as people
    from wave.extensions import db
    from wave.messenger import chats
    from wave.messenger.models import Thread

    app = create_app()
    with app.test_request_context():
        upgrade()
        password_hash = generate_password_hash("profile", method="pbkdf2:sha256:1000")
        users = []
        for i in range(1, 201):
            user, _ = people.create_user(
                username=f"p{i:03d}", display_name=f"Person {i:03d}", role="staff"
            )
            user.password_hash = password_hash
            users.append(user)
        db.session.commit()
        chat_ids = {
            200: chats.create_group(users[0], "Everyone", users[1:]).id,
            50: chats.create_group(users[0], "Floor", users[1:50]).id,
        }
        statements: list[str] = []
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cur, sql, params, ctx, many: statements.append(sql),
        )

    senders = []
    for i in range(4):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', page).group(1)
        answer = client.post(
            "/login", data={"csrf_token": csrf, "username": f"p{i + 1:03d}", "password": "profile"}
        )
        assert answer.status_code in (302, 303), answer.status_code
        page = client.get(f"/chats/{chat_ids[200]}").get_data(as_text=True)
        csrf = re.search(r'"X-CSRFToken": "([^"]*)"', page).group(1)
        senders.append((client, csrf))
    serial = iter(range(10**9))

    def post(members):
        def send():
            i = next(serial)
            client, csrf = senders[i % len(senders)]
            answer = client.post(
                f"/chats/{chat_ids[members]}/messages",
                data={"csrf_token": csrf, "client_id": f"prof-{i}", "body": f"The bin #{i}"},
                headers={"X-CSRFToken": csrf, "HX-Request": "true"},
                content_type="multipart/form-data",
            )
            assert answer.status_code == 200, answer.status_code

        return send

    def use(variant):
        assert variant == "baseline"

    def reader_and_newest(members):
        """The next member's client and token, and the chat's newest message id."""
        client, csrf = senders[next(serial) % len(senders)]
        with app.app_context():
            return client, csrf, db.session.get(Thread, chat_ids[members]).last_message_id

    def catch_up(members):
        def fetch():
            # What chat.js asks on every chat-message-posted while the chat is open: the
            # messages after the last one it has (here: the newest), as another member.
            client, _, newest = reader_and_newest(members)
            answer = client.get(
                f"/chats/{chat_ids[members]}/messages?after={newest - 1}",
                headers={"HX-Request": "true"},
            )
            assert answer.status_code == 200, answer.status_code

        return fetch

    def read(members):
        def mark():
            # What chat.js posts when a reader has seen the newest message.
            client, csrf, newest = reader_and_newest(members)
            answer = client.post(
                f"/chats/{chat_ids[members]}/read",
                data={"csrf_token": csrf, "message_id": newest},
                headers={"X-CSRFToken": csrf, "HX-Request": "true"},
            )
            assert answer.status_code == 200, answer.status_code

        return mark

    def badge():
        i = next(serial)
        client, _ = senders[i % len(senders)]
        assert client.get("/chats/unread", headers={"HX-Request": "true"}).status_code == 200

    plan = [(f"send, {m} members, {v}", v, post(m)) for m in (200, 50) for v in VARIANTS]
    for m in (200, 50):
        plan += [
            (f"catch-up GET, {m} members", "baseline", catch_up(m)),
            (f"read POST, {m} members", "baseline", read(m)),
        ]
    plan += [("badge GET", "baseline", badge)]
    cpu = {label: [] for label, _, _ in plan}
    count = {}
    for label, variant, fn in plan:  # warm up, count statements
        use(variant)
        for _ in range(20):
            fn()
        statements.clear()
        fn()
        count[label] = len(statements)
    for _ in range(args.rounds):
        for label, variant, fn in plan:
            use(variant)
            start = time.process_time()
            for _ in range(args.requests):
                fn()
            cpu[label].append((time.process_time() - start) / args.requests * 1000)
    use("baseline")
    if args.statements:
        statements.clear()
        post(200)()
        print(f"SQL of one send into the 200-member chat ({len(statements)} statements):")
        for sql in statements:
            print("  " + " ".join(sql.split())[:160])
        statements.clear()
        catch_up(200)()
        print(
            f"SQL of one catch-up GET in it ({len(statements)} statements, the first is this"
            " script's own look-up of the newest message):"
        )
        for sql in statements:
            print("  " + " ".join(sql.split())[:160])
    print(f"{'':<34}{'CPU ms':>8}{'SQL':>5}{'vs baseline':>13}")
    for label, variant, _ in plan:
        ms = statistics.median(cpu[label])
        base = statistics.median(cpu[label.replace(variant, "baseline")])
        if not label.startswith("send"):
            print(f"{label:<34}{ms:>8.2f}{count[label]:>5}")
            continue
        print(f"{label:<34}{ms:>8.2f}{count[label]:>5}{(ms / base - 1) * 100:>12.0f}%")
    if args.cprofile:
        import cProfile
        import pstats

        send = post(200)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            send()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(r"wave/|flask_login|wtf", 30)


if __name__ == "__main__":
    main()
