"""Item 8: login throttling (parallel guesses, spraying, admin lock-out, user enumeration)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from auth_world import PASSWORD, audit_count, client, login, make_app, make_workspace, rows
from sqlalchemy import select, update

from onemap.store.schema import AuditRow
from onemap.users import passwords
from onemap.users.schema import UserRow
from onemap.users.throttle import CLEAN_SPACING, FREE_FAILURES

if TYPE_CHECKING:
    from onemap.store.workspace import Workspace


class Clock:
    """A hand-wound clock for the throttle."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory):
    ws = make_workspace(tmp_path_factory.mktemp("throttle") / "ws")
    yield ws
    ws.close()


@pytest.fixture
def app(ws: Workspace):
    """A fresh app per test (its own throttle) with a fake clock."""
    app = make_app(ws)
    app.state.ctx.auth.throttle.clock = Clock()
    return app


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """Record the parameters of every scrypt computation."""
    calls: list[tuple[int, ...]] = []
    real = passwords.derive

    def counting(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
        calls.append((n, r, p, dklen))
        return real(password, salt, n, r, p, dklen)

    monkeypatch.setattr(passwords, "derive", counting)
    return calls


def test_parallel_wrong_passwords_are_counted_before_checking(ws: Workspace, app: Any,
                                                              scrypt_calls: list) -> None:
    sessions, failed = rows(ws, "web_sessions"), audit_count(ws, "auth.login_failed")
    barrier = threading.Barrier(12)
    codes: list[int] = []

    def guess(i: int) -> None:
        c = client(app, "10.0.8.1")
        barrier.wait()
        codes.append(login(c, "ana203", f"guess-number-{i:04d}").status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(codes) == {401: FREE_FAILURES, 429: 12 - FREE_FAILURES}
    assert len(scrypt_calls) == FREE_FAILURES  # only the reserved attempts were checked
    assert rows(ws, "web_sessions") == sessions
    assert audit_count(ws, "auth.login_failed") == failed + FREE_FAILURES
    assert app.state.ctx.auth.throttle.failures(name="ana203") == FREE_FAILURES


def test_spraying_names_from_one_client_is_throttled(ws: Workspace, app: Any) -> None:
    sprayer = client(app, "10.0.8.2")
    codes = [login(sprayer, name, "Winter2024!!x").status_code
             for name in ("admin", "admin111", "ana111", "ana203", "root", "operator", "gis")]
    assert codes == [401] * FREE_FAILURES + [429] * (7 - FREE_FAILURES)
    refused = sprayer.post("/auth/login", json={"username": "gis", "password": "x"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    # even the right password waits for the sprayer; another client is not affected
    assert login(sprayer, "ana111").status_code == 429
    assert "onemap_session" not in sprayer.cookies
    assert login(client(app, "10.0.8.3"), "ana111").status_code == 200
    # failures are audited as anonymous, the typed name only in the detail
    with ws.session() as s:
        entries = s.scalars(select(AuditRow).where(AuditRow.action.in_(
            ["auth.login_failed", "auth.login_throttled"])).order_by(AuditRow.id.desc())
            .limit(5)).all()
        assert {e.actor for e in entries} == {"anonymous"}
        assert {e.detail["username"] for e in entries} >= {"gis", "ana111"}
        assert {e.detail["client"] for e in entries} == {"10.0.8.2"}


def test_admin_cannot_be_locked_out_by_another_client(ws: Workspace, app: Any) -> None:
    clock = app.state.ctx.auth.throttle.clock
    attacker = client(app, "203.0.113.7")
    tried = 0
    while tried < 12:  # keep guessing as fast as the back-off lets the attacker
        r = login(attacker, "admin", f"Password{tried:04d}!")
        if r.status_code == 429:
            clock.now += int(r.headers["Retry-After"])
            continue
        assert r.status_code == 401
        tried += 1
    assert app.state.ctx.auth.throttle.failures(name="admin") == 12
    assert login(attacker, "admin").status_code == 429  # the attacker is slowed down ...
    owner = client(app, "192.168.1.20")
    r = login(owner, "admin")  # ... the admin at another desk is not, not even for a second
    assert r.status_code == 200 and owner.get("/auth/me").json()["username"] == "admin"
    clock.now += CLEAN_SPACING
    # a fresh address guessing once makes clean clients share one attempt per CLEAN_SPACING
    assert login(client(app, "198.51.100.9"), "admin", "Autumn2024!!").status_code == 401
    other_desk = client(app, "192.168.1.21")
    wait = login(other_desk, "admin")
    assert wait.status_code == 429 and int(wait.headers["Retry-After"]) <= CLEAN_SPACING
    clock.now += CLEAN_SPACING
    assert login(other_desk, "admin").status_code == 200


def test_unknown_names_cost_one_scrypt_like_known_ones(ws: Workspace, app: Any,
                                                       scrypt_calls: list) -> None:
    for i, name in enumerate(("ana111", "no-such-user", "x" * 64, "ana203")):
        c = client(app, f"10.0.9.{i}")
        before = len(scrypt_calls)
        assert login(c, name, "not-the-password").status_code == 401
        assert len(scrypt_calls) == before + 1, name
    assert len(set(scrypt_calls)) == 1  # same N, r, p and length: the dummy hash is current
    n, r, p, _ = scrypt_calls[0]
    assert (n, r, p) == (2**17, 8, 1)
    # a deactivated account is checked too, and refused
    with ws.session() as s:
        s.execute(update(UserRow).where(UserRow.username == "ana203").values(active=False))
    try:
        before = len(scrypt_calls)
        assert login(client(app, "10.0.9.9"), "ana203").status_code == 401
        assert len(scrypt_calls) == before + 1
    finally:
        with ws.session() as s:
            s.execute(update(UserRow).where(UserRow.username == "ana203").values(active=True))


def test_old_hashes_verify_and_are_rehashed(ws: Workspace, app: Any) -> None:
    old = passwords.derive(PASSWORD, b"0123456789abcdef", 2**14, 8, 1, 32)
    legacy = (f"scrypt$16384$8$1${passwords._b64(b'0123456789abcdef')}"
              f"${passwords._b64(old)}")
    with ws.session() as s:
        s.execute(update(UserRow).where(UserRow.username == "admin111")
                  .values(password_hash=legacy))
    assert login(client(app, "10.0.9.20"), "admin111").status_code == 200
    with ws.session() as s:
        stored = s.scalars(select(UserRow.password_hash)
                           .where(UserRow.username == "admin111")).one()
    assert stored.startswith("scrypt$131072$8$1$") and passwords.verify_password(PASSWORD, stored)


def test_short_passwords_are_refused(ws: Workspace, app: Any) -> None:
    users = rows(ws, "users")
    admin = client(app, "10.0.9.30")
    assert login(admin, "admin").status_code == 200
    r = admin.post("/admin/users", json={"username": "shorty", "password": "eleven-char",
                                         "regions": ["360111"]},
                   headers={"X-CSRF-Token": admin.cookies["onemap_csrf"]})
    assert r.status_code == 422 and rows(ws, "users") == users
