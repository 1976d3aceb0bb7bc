"""Short, unguessable, typeable tag codes."""

import secrets

from wave.web.urls import public_base_url

# Crockford base32: no I, L, O, U, so nothing is mistaken for 1, 0 or V when typed.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 32**8 ≈ 10**12 codes: guessing one of a building's few thousand is hopeless

_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize(typed: str) -> str:
    """A code as a person may type it (lower case, O for 0, dashes) in canonical form."""
    return typed.upper().translate(_TYPED)


def tag_url(code: str) -> str:
    """The tenant URL a tag's QR code opens (printed labels and downloads use this one)."""
    return f"{public_base_url()}/q/{code}"
