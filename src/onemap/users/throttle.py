"""Login throttling: exponential back-off per client and per user name (登录限速).

Every login attempt first **reserves a slot** under one lock; the reservation counts
as a failure until the password turns out right, so parallel guesses are counted
before any of them is checked.

* **Per client** (IP address; an IPv6 /64): after :data:`FREE_FAILURES` failures in
  :data:`WINDOW` seconds, across all user names, the client waits 1, 2, 4, ... seconds
  (at most :data:`MAX_DELAY`) after its last failure. This stops guessing and
  spraying names from one host.
* **Per user name**, for clients that have failed :data:`FREE_FAILURES` times on that
  name themselves: the same back-off, counted over every client's failures on the name.
* **Per user name**, for the other ("clean") clients, e.g. the account owner at their
  desk: never the name's back-off, so failures from elsewhere cannot lock the owner
  out. Once the name has :data:`FREE_FAILURES` failures, clean clients share one
  attempt every :data:`CLEAN_SPACING` seconds: a botnet's fresh addresses get no more
  than that, and the owner waits at most that long per attempt (the owner may have to
  retry if many fresh addresses keep guessing at the same moment).

Nothing here is a hard lock: each refusal says when to retry (HTTP 429 ``Retry-After``).
State is in memory, per server process.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from onemap.users.errors import TooManyAttempts

if TYPE_CHECKING:
    from collections.abc import Callable

WINDOW = 900.0  # seconds a failure is remembered
FREE_FAILURES = 5  # failures before the back-off starts (per client, per name)
MAX_DELAY = 900.0  # longest back-off, seconds
CLEAN_SPACING = 2.0  # one attempt per this many seconds for clean clients of an attacked name
MAX_KEYS = 50_000  # clients + names tracked before old entries are dropped


@dataclass(frozen=True)
class Attempt:
    """A reserved login attempt (counted as a failure until :meth:`LoginThrottle.succeed`)."""

    name: str
    client: str
    at: float


@dataclass
class _Failures:
    times: list[float] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)

    def prune(self, now: float) -> None:
        keep = [i for i, t in enumerate(self.times) if now - t < WINDOW]
        self.times = [self.times[i] for i in keep]
        self.clients = [self.clients[i] for i in keep]

    def add(self, at: float, client: str) -> None:
        self.times.append(at)
        self.clients.append(client)

    def remove(self, at: float, client: str) -> None:
        for i, (t, c) in enumerate(zip(self.times, self.clients, strict=True)):
            if t == at and c == client:
                del self.times[i], self.clients[i]
                return


def backoff(failures: int, since_last: float) -> float:
    """Return the seconds still to wait after ``failures`` failures, the last ``since_last`` ago.

    Examples
    --------
    >>> backoff(4, 0.0), backoff(5, 0.0), backoff(7, 1.0), backoff(40, 0.0)
    (0.0, 1.0, 3.0, 900.0)
    """
    if failures < FREE_FAILURES:
        return 0.0
    return max(0.0, min(2.0 ** (failures - FREE_FAILURES), MAX_DELAY) - since_last)


def client_key(address: str) -> str:
    """Return the throttling key of a client address (IPv6 by its /64 network).

    Examples
    --------
    >>> client_key("10.1.2.3"), client_key("2001:db8::1:2"), client_key("testclient")
    ('10.1.2.3', '2001:db8::/64', 'testclient')
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class LoginThrottle:
    """Thread-safe in-memory failure counters with exponential back-off."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._clients: dict[str, _Failures] = {}
        self._names: dict[str, _Failures] = {}
        self._clean_next: dict[str, float] = {}

    def reserve(self, name: str, address: str) -> Attempt:
        """Count an attempt of ``name`` from ``address`` or raise :class:`TooManyAttempts`."""
        client = client_key(address)
        with self._lock:
            now = self.clock()
            if len(self._clients) + len(self._names) > MAX_KEYS:
                self._forget_old(now)
            by_client = self._entry(self._clients, client, now)
            by_name = self._entry(self._names, name, now)
            dirty = by_name.clients.count(client) >= FREE_FAILURES
            wait = backoff(len(by_client.times), now - by_client.times[-1]
                           if by_client.times else 0.0)
            if dirty:
                wait = max(wait, backoff(len(by_name.times), now - by_name.times[-1]))
            elif len(by_name.times) >= FREE_FAILURES:
                wait = max(wait, self._clean_next.get(name, 0.0) - now)
            if wait > 0:
                raise TooManyAttempts(
                    f"login of {name[:64]!r} from {client} paused for {wait:.1f} s",
                    user_message=f"登录失败次数过多, 请 {math.ceil(wait)} 秒后再试 (too many "
                                 f"failed logins, retry in {math.ceil(wait)} s)",
                    retry_after=math.ceil(wait))
            if not dirty and len(by_name.times) >= FREE_FAILURES:
                self._clean_next[name] = now + CLEAN_SPACING
            by_client.add(now, client)
            by_name.add(now, client)
            return Attempt(name, client, now)

    def fail(self, attempt: Attempt) -> None:
        """Confirm a reservation as a failure, dated now: the back-off runs from its answer."""
        with self._lock:
            now = self.clock()
            for table, key in ((self._clients, attempt.client), (self._names, attempt.name)):
                entry = table.get(key)
                if entry is not None:
                    entry.remove(attempt.at, attempt.client)
                    entry.add(now, attempt.client)

    def succeed(self, attempt: Attempt) -> None:
        """Withdraw a reservation whose password was right (earlier failures stay counted)."""
        with self._lock:
            for table, key in ((self._clients, attempt.client), (self._names, attempt.name)):
                entry = table.get(key)
                if entry is not None:
                    entry.remove(attempt.at, attempt.client)

    def failures(self, *, name: str | None = None, address: str | None = None) -> int:
        """Return the failures counted for a name or a client address (for tests, metrics)."""
        with self._lock:
            now = self.clock()
            if name is not None:
                return len(self._entry(self._names, name, now).times)
            return len(self._entry(self._clients, client_key(address or ""), now).times)

    @staticmethod
    def _entry(table: dict[str, _Failures], key: str, now: float) -> _Failures:
        entry = table.setdefault(key, _Failures())
        entry.prune(now)
        return entry

    def _forget_old(self, now: float) -> None:
        for table in (self._clients, self._names):
            for key in list(table):
                table[key].prune(now)
                if not table[key].times:
                    del table[key]
            if len(table) > MAX_KEYS // 2:  # still flooded: keep the most recent half
                ranked = sorted(table, key=lambda k: table[k].times[-1])
                for key in ranked[: len(table) - MAX_KEYS // 4]:
                    del table[key]
        self._clean_next = {k: v for k, v in self._clean_next.items() if v > now}
