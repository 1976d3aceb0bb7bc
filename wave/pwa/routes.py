"""The installable staff app: manifest, service worker (served from / to control the whole
app), and the page shown offline."""

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#0b5cad"

# Bump when the app shell changes; the service worker drops older caches.
SHELL_VERSION = "wave-shell-2"


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify(
        {
            "name": "Wave",
            "short_name": "Wave",
            "description": _("Facility requests and work chat"),
            "start_url": url_for("requests.inbox"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOR,
            "icons": [
                {
                    "src": url_for("static", filename=f"icons/icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any",
                }
                for size in (192, 512)
            ]
            + [
                {
                    "src": url_for("static", filename="icons/maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                }
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    shell = [
        url_for("pwa.offline"),
        url_for("static", filename="app.css"),
        url_for("static", filename="staff.js"),
        url_for("static", filename="chat.js"),
        url_for("static", filename="vendor/htmx-2.0.11.min.js"),
        url_for("static", filename="vendor/socket.io-4.8.4.min.js"),
        url_for("static", filename="icons/icon-192.png"),
    ]
    body = render_template("pwa/sw.js", shell=shell, version=SHELL_VERSION)
    response = current_app.response_class(body, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    return render_template("pwa/offline.html")
