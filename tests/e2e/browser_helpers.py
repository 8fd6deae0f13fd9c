"""Browser helpers for the e2e tests that work under the app's Content-Security-Policy.

Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the page,
which the CSP (no ``'unsafe-eval'``) refuses; ``page.evaluate`` goes through the DevTools
protocol instead, so :func:`wait_js` polls with it and the CSP stays enforced in tests.
"""

from __future__ import annotations

import time
from typing import Any


def wait_js(page: Any, expression: str, timeout: float = 30_000) -> Any:
    """Poll the JavaScript ``expression`` until it is truthy; return its value.

    ``timeout`` is in milliseconds, like Playwright's.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} ms waiting for {expression}")
        page.wait_for_timeout(100)


def watch_csp(page: Any) -> list[str]:
    """Collect the page's Content-Security-Policy violations (console messages)."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    return seen


def open_map_as(page: Any, server: str, user: str, password: str) -> None:
    """Open ``server``'s web map, wait until it is ready, and log in as ``user``."""
    page.goto(f"{server}/map")
    wait_js(page, "document.body.dataset.ready === '1'", timeout=30_000)
    page.fill("#login-user", user)
    page.fill("#login-pass", password)
    page.click("#login-btn")
    wait_js(page, f"document.getElementById('who').textContent.includes('{user}')")
