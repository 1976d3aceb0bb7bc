"""python -m wave <command>: demo, serve, migrate."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wave")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="migrate, load the demo building once, and serve")
    commands.add_parser("serve", help="migrate and serve (development server with Socket.IO)")
    commands.add_parser("migrate", help="apply database migrations")
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
    if args.command in ("demo", "serve"):
        serve(app)


def serve(app):
    from wave.extensions import socketio

    host, port = app.config["WAVE_HOST"], app.config["WAVE_PORT"]
    print(f" * Wave on http://{host}:{port}/  (Ctrl+C stops)", flush=True)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)


if __name__ == "__main__":
    sys.exit(main())
