"""Benchmark: the cost of one audited write (``Workspace.audit``), chained vs. before.

Times, in the same run and on the same kind of catalog:

* onemap: ``ws.audit(...)`` — one transaction that takes the audit lock (UPDATE of the
  one-row ``audit_head``), hashes the entry, inserts it with ``prev_hash``/``hash`` and
  moves the head;
* baseline: the append as it was before the hash chain — ``s.add`` of one ORM row in its own
  transaction (autoincrement id, no lock, no hash), into a second workspace.

Each call is timed on its own, alternating baseline and onemap calls so machine load hits
both alike; the script prints the median and p95 of ``--calls`` calls of each and the ratio
of the medians, then times ``verify_audit`` over a chain of ``--verify-rows`` entries. Usage::

    .venv/bin/python bench/bench_audit.py [--calls 1000] [--verify-rows 20000]
        [--database-url URL]

``--database-url`` puts both catalogs on another server (two fresh databases are needed, the
second named with a ``_base`` suffix); by default both are SQLite files in a temp folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onemap.store.db import utc_now
from onemap.store.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

DETAIL = {"counties": ["360111", "360121"], "features": 1234, "source": "dltb.gpkg",
          "replace": False}


class _LegacyBase(DeclarativeBase):
    pass


class _LegacyAuditRow(_LegacyBase):
    """``audit_log`` as the ORM mapped it before the chain (autoincrement id, no hashes)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


def _plain_append(ws: Workspace) -> Callable[[int], None]:
    """The append before the chain, as ``Workspace._audit`` did it: ``s.add`` of one row."""
    def append(i: int) -> None:
        with ws.session() as s:
            s.add(_LegacyAuditRow(at=utc_now(), actor="bench", action="layer.write",
                                  target=f"dltb/{i}", detail=DETAIL))
    return append


def _chained_append(ws: Workspace) -> Callable[[int], None]:
    def append(i: int) -> None:
        ws.audit("bench", "layer.write", f"dltb/{i}", DETAIL)
    return append


def _time_interleaved(fns: list[Callable[[int], None]], calls: int) -> list[list[float]]:
    """Time each call on its own, alternating the functions so load drift hits both."""
    out: list[list[float]] = [[] for _ in fns]
    for i in range(calls):
        for fn, times in zip(fns, out, strict=True):
            t0 = time.perf_counter()
            fn(i)
            times.append(time.perf_counter() - t0)
    return out


def _figures(name: str, times: list[float]) -> float:
    med = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"{name:<34} median {med * 1e3:7.3f} ms   p95 {p95 * 1e3:7.3f} ms")
    return med


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--verify-rows", type=int, default=20_000,
                    help="entries in the chain when timing verify_audit")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        url = args.database_url
        chained = Workspace.create(Path(tmp) / "chained", database_url=url)
        plain = Workspace.create(Path(tmp) / "plain",
                                 database_url=f"{url}_base" if url else "")
        print(f"catalog: {chained.engine.dialect.name}, {args.calls} calls each")
        _chained_append(chained)(-1)  # warm both connections before timing
        _plain_append(plain)(-1)
        plain_t, chained_t = _time_interleaved(
            [_plain_append(plain), _chained_append(chained)], args.calls)
        base = _figures("baseline (insert, no chain)", plain_t)
        ours = _figures("onemap ws.audit (chained)", chained_t)
        print(f"ratio chained / baseline (median): {ours / base:.2f}x")
        for _ in range(args.verify_rows - args.calls):
            chained.audit("bench", "layer.write", "dltb/x", DETAIL)
        chained.verify_audit()  # warm the statement cache
        t0 = time.perf_counter()
        result = chained.verify_audit()
        dt = time.perf_counter() - t0
        print(f"verify_audit: {result.rows_checked:,} entries in {dt * 1e3:.1f} ms "
              f"({result.rows_checked / dt:,.0f} entries/s), ok={result.ok}")
        chained.close()
        plain.close()


if __name__ == "__main__":
    main()
