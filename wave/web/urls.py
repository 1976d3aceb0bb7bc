"""Links that leave the page: printed on labels, sent in e-mails, copied into chats."""

from flask import current_app, has_request_context, request, url_for


def public_base_url() -> str:
    """Where people reach this Wave: WAVE_PUBLIC_URL; else, inside a request, the address
    that request came to (behind a proxy: with WAVE_PROXY_FIX); else the address it serves on.
    """
    config = current_app.config
    if config.get("WAVE_PUBLIC_URL"):
        return config["WAVE_PUBLIC_URL"].rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return f"http://{config['WAVE_HOST']}:{config['WAVE_PORT']}"


def public_url(endpoint: str, **values) -> str:
    """The full URL of an endpoint as people outside reach it."""
    return public_base_url() + url_for(endpoint, **values)
