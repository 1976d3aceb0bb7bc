"""The installable staff app: manifest, service worker (served from / to control the whole
app), and the page shown offline."""

import functools
import hashlib
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#0b5cad"

SHELL = (
    "app.css",
    "staff.js",
    "chat.js",
    "vendor/htmx-2.0.11.min.js",
    "vendor/socket.io-4.8.4.min.js",
    "icons/icon-192.png",
)
"""The static files the service worker keeps and serves from its cache (with the offline page)."""


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
    shell = [url_for("pwa.offline")] + [url_for("static", filename=name) for name in SHELL]
    body = render_template("pwa/sw.js", shell=shell, version=shell_version())
    response = current_app.response_class(body, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    return render_template("pwa/offline.html")


def shell_version() -> str:
    """Changes with the content of any file of the shell or the offline page (in the page's
    language): installed apps run the cached files until sw.js itself changes. The same files
    give the same version in every process behind the proxy."""
    files = [Path(current_app.static_folder, name) for name in SHELL]
    stamps = tuple((str(f), (st := f.stat()).st_mtime_ns, st.st_size) for f in files)
    digest = hashlib.sha256(_files_digest(stamps).encode())
    digest.update(render_template("pwa/offline.html").encode())
    return "wave-shell-" + digest.hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def _files_digest(stamps: tuple) -> str:
    """The files' content, hashed once per change of their size or time."""
    digest = hashlib.sha256()
    for path, _mtime, _size in stamps:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()
