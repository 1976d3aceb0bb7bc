"""Short, unguessable, typeable tag codes."""

import secrets

from flask import current_app, has_request_context, request

# Crockford base32: no I, L, O, U, so nothing is mistaken for 1, 0 or V when typed.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 32**8 ≈ 10**12 codes: guessing one of a building's few thousand is hopeless

_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize(typed: str) -> str:
    """A code as a person may type it (lower case, O for 0, dashes) in canonical form."""
    return typed.upper().translate(_TYPED)


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


def tag_url(code: str) -> str:
    """The tenant URL a tag's QR code opens (printed labels and downloads use this one)."""
    return f"{public_base_url()}/q/{code}"
