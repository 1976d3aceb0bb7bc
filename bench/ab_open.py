"""Two variants of Wave, the same open loop, short turns in alternation: an A/B that the
machine's drift cannot decide.

    PYTHONPATH=. .venv/bin/python bench/ab_open.py --db postgres --rates 50,65 \\
        --a "wave:create_app({'WAVE_ACTIVE_TENANT_REQUESTS': 0})" --b "wave:create_app()"

Both variants run at once as gunicorn servers (the production command, as submit_bench.py
starts them) on one database; only one of them is loaded at a time. For each rate, `--pairs`
pairs of `--seconds`-long open-loop runs (Poisson arrivals of tenant POSTs, submit_bench.py's
client) alternate A B, B A, … so that a machine that slows down or speeds up within minutes
(seen here: ±40 % within an hour) falls on both alike. Printed per rate: each turn's p50/p95 and
the worker's CPU per submission, the medians, and in how many pairs B's p95 was below A's.
Nothing is written to RESULTS.md; copy what matters there by hand.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.submit_bench import (
    Server,
    drop_database,
    harvest,
    log,
    machine_info,
    migrate_and_load,
    prepare_database,
    run_open,
    snapshot,
    wave_env,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--a", required=True, help="gunicorn app of variant A")
    parser.add_argument("--b", required=True, help="gunicorn app of variant B")
    parser.add_argument("--rates", type=lambda t: [float(r) for r in t.split(",")], required=True)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    log(f"machine: {machine_info()}")
    tmp = Path(tempfile.mkdtemp(prefix="wave-ab-"))
    servers = []
    try:
        app_dir = snapshot(tmp / "app")
        env = wave_env(prepare_database(args.db, tmp), tmp, redis=False)
        paths = [f"/q/{c}" for c in migrate_and_load(env, app_dir)]
        servers = [
            Server(name, app, env, 1, tmp, app_dir) for name, app in (("A", args.a), ("B", args.b))
        ]
        for server in servers:
            server.start(paths[0])
            log(f"{server.name}: {server.app}")
        sessions = {s.name: harvest(s.base, paths, 64) for s in servers}
        pg = args.db == "postgres"

        def turn(server, rate, seconds):
            tag = f"ab-{secrets.token_hex(5)}"
            return run_open(server, "post", rate, seconds, sessions[server.name], paths, tag, pg)

        for server in servers:  # warm up
            turn(server, min(args.rates), 3)
        for rate in args.rates:
            log(f"-- {rate:g} POST/s, {args.pairs} pairs of {args.seconds:g} s --")
            got = {"A": [], "B": []}
            for n in range(args.pairs):
                for server in servers if n % 2 == 0 else servers[::-1]:
                    r = turn(server, rate, args.seconds)
                    ms = r["post_ms"]
                    per = r["cpu"]["server"] / max(r["achieved_rate"], 1e-9) * 1000
                    got[server.name].append((ms["p50"], ms["p95"], per))
                    log(
                        f"  pair {n + 1} {server.name}: p50 {ms['p50']:6.1f}  p95 {ms['p95']:6.1f}"
                        f" ms  worker {per:5.1f} ms/POST  errors {r['errors']}"
                    )
            for name, rows in got.items():
                log(
                    f"  {name} median: p50 {statistics.median(r[0] for r in rows):6.1f}  "
                    f"p95 {statistics.median(r[1] for r in rows):6.1f} ms  "
                    f"worker {statistics.median(r[2] for r in rows):5.1f} ms/POST"
                )
            wins = sum(b[1] < a[1] for a, b in zip(got["A"], got["B"], strict=True))
            log(f"  B's p95 below A's in {wins} of {args.pairs} pairs")
    finally:
        for server in servers:
            server.stop()
        drop_database(args.db)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
