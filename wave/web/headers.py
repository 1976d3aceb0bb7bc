"""Headers on every answer: what a page may load and run, and what the browser may tell other
sites. Script comes only from Wave's own files (no inline script, no eval): text someone typed
can never run, even if a template forgot to escape it."""

from flask import request


def init_app(app) -> None:
    app.after_request(_secure)


def _secure(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # A tenant's tracking link (/t/<token>) must not travel to another site in a Referer.
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", _policy())
        headers.setdefault("X-Frame-Options", "DENY")
    return response


def _policy() -> str:
    host = request.host
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # style attributes (a report's bars) and htmx's indicator style
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",  # blob: a chosen photo's preview before sending
            f"connect-src 'self' wss://{host} ws://{host}",  # Socket.IO on older browsers
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
