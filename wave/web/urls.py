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


def path_for(endpoint: str, **values) -> str:
    """url_for's path, also outside a request (the worker, the command line)."""
    if has_request_context():
        return url_for(endpoint, **values)
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def public_url(endpoint: str, **values) -> str:
    """The full URL of an endpoint as people outside reach it."""
    return public_base_url() + path_for(endpoint, **values)
