"""Password hashing with scrypt (hashlib), in a self-describing string format.

A stored hash reads ``scrypt$N$r$p$salt$digest``, so hashes made with older
parameters keep verifying; :func:`needs_rehash` tells the login to replace them.
The parameters are OWASP's (Password Storage Cheat Sheet): N=2**17, r=8, p=1,
i.e. 128 MiB and ≈0.4 s per hash on a 2-core server. At most :data:`MAX_PARALLEL`
hashes run at once, so a burst of logins cannot exhaust the server's memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading

SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES = 2**17, 8, 1, 32
MAX_PARALLEL = 2  # concurrent scrypt computations (128 MiB each)
_MAX_N = 2**20  # refuse stored parameters that would need more than 1 GiB
_slots = threading.BoundedSemaphore(MAX_PARALLEL)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def derive(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    """Return the scrypt key of ``password`` (the one place scrypt is called).

    ``maxmem`` is raised to what the parameters need (128·N·r·p bytes plus slack);
    hashlib's default of 32 MiB refuses N=2**17.
    """
    if not 1 < n <= _MAX_N or r < 1 or p < 1:
        raise ValueError(f"scrypt parameters out of range: N={n} r={r} p={p}")
    with _slots:
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                              maxmem=128 * n * r * p + 2**24)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Return ``scrypt$N$r$p$salt$hash`` for ``password``.

    Examples
    --------
    >>> h = hash_password("correct horse battery")
    >>> h.startswith("scrypt$131072$8$1$"), verify_password("correct horse battery", h)
    (True, True)
    """
    salt = salt or secrets.token_bytes(16)
    digest = derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Tell whether ``password`` matches an ``encoded`` hash (constant-time compare).

    Any parameters the format can state are accepted (older N=2**14 hashes too).
    """
    try:
        algo, n, r, p, salt, digest = encoded.split("$")
        if algo != "scrypt":
            return False
        expected = _unb64(digest)
        got = derive(password, _unb64(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def needs_rehash(encoded: str) -> bool:
    """Tell whether a stored hash was made with other than the current parameters.

    Examples
    --------
    >>> needs_rehash("scrypt$16384$8$1$c2FsdA$ZGlnZXN0"), needs_rehash(dummy_hash())
    (True, False)
    """
    return not encoded.startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


def dummy_hash() -> str:
    """Return a hash of no password with the current parameters.

    Login checks an unknown user name against it, so the answer takes as long as
    for a real account (no user enumeration by timing).
    """
    return (f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(secrets.token_bytes(16))}"
            f"${_b64(secrets.token_bytes(HASH_BYTES))}")


def token_digest(token: str) -> str:
    """Return the sha256 hex digest under which an API token or session id is stored.

    Examples
    --------
    >>> token_digest("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
