"""python -m wave <command>: demo, serve, migrate, worker, labels."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wave")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="migrate, load the demo building once, and serve")
    commands.add_parser("serve", help="migrate and serve (development server with Socket.IO)")
    commands.add_parser("migrate", help="apply database migrations")
    worker = commands.add_parser("worker", help="SLA checks, escalations, reminders, sending")
    worker.add_argument("--once", action="store_true", help="one tick, then exit")
    _labels_parser(commands)
    args = parser.parse_args(argv)

    from wave import create_app

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        if args.command == "demo":
            from wave.demo import load_demo, print_welcome

            load_demo()
            print_welcome(app)
        if args.command == "labels":
            return print_labels(args)
    if args.command == "worker":
        return work(app, once=args.once)
    if args.command == "demo":
        from wave.jobs import worker

        worker.start_in_process(app)
    if args.command in ("demo", "serve"):
        serve(app)


def work(app, once: bool) -> int:
    from wave.jobs import worker

    if once:
        with app.app_context():
            print(worker.tick() or "nothing to do", flush=True)
        return 0
    interval = app.config["WAVE_WORKER_INTERVAL"]
    print(f" * Wave worker: a tick every {interval:g} s (Ctrl+C stops)", flush=True)
    try:
        worker.run_forever(app, interval)
    except KeyboardInterrupt:
        pass
    return 0


def _labels_parser(commands):
    from wave.config import DEFAULTS
    from wave.qr.labels import TEMPLATES

    parser = commands.add_parser("labels", help="print QR label sheets of usable tags to a PDF")
    parser.add_argument("--out", required=True, help="the PDF file to write")
    parser.add_argument("--site", help="only the tags of the site with this name")
    parser.add_argument("--template", choices=list(TEMPLATES), default="a4-3x8")
    parser.add_argument("--language", choices=list(DEFAULTS["WAVE_LANGUAGES"]), default="en")


def print_labels(args) -> int:
    """Writes the sheet and records it in the print history; 2 for an unknown site."""
    from pathlib import Path

    from wave.qr import labels, printing

    try:
        site = printing.site_named(args.site) if args.site is not None else None
    except LookupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    items = printing.select_labels(site_id=site.id if site else None)
    if not items:
        print("No usable tags to print.", file=sys.stderr)
        return 1
    offset = printing.offset_for(args.template)
    Path(args.out).write_bytes(labels.render_sheet(items, args.template, offset, args.language))
    selection = f"site {site.name}" if site else "all sites"
    printing.record_print(None, args.template, args.language, f"{selection} (command line)", items)
    pages = labels.page_count(len(items), args.template)
    print(f"{len(items)} labels on {pages} pages ({args.template}) written to {args.out}")
    return 0


def serve(app):
    from wave.extensions import socketio

    host, port = app.config["WAVE_HOST"], app.config["WAVE_PORT"]
    print(f" * Wave on http://{host}:{port}/  (Ctrl+C stops)", flush=True)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)


if __name__ == "__main__":
    sys.exit(main())
