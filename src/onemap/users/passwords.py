"""Password hashing with scrypt (hashlib), in a self-describing string format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt parameters: N=2**14, r=8, p=1 (≈16 MiB, ≈50 ms on this kind of machine)
_N, _R, _P, _LEN = 2**14, 8, 1, 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Return ``scrypt$N$r$p$salt$hash`` for ``password``.

    Examples
    --------
    >>> h = hash_password("s3cret")
    >>> h.startswith("scrypt$16384$8$1$"), verify_password("s3cret", h), verify_password("x", h)
    (True, True, False)
    """
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_LEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Tell whether ``password`` matches an ``encoded`` hash (constant-time compare)."""
    try:
        algo, n, r, p, salt, digest = encoded.split("$")
        if algo != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(_unb64(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def token_digest(token: str) -> str:
    """Return the sha256 hex digest under which an API token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
