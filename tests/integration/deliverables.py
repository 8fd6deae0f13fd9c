"""Render every deliverable of a tiny demo (the Makefile's demo-build steps) into a folder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from onemap.cli.main import create_cli
from onemap.demo.job import prepare_main_job
from onemap.demo.models import DemoOptions
from onemap.demo.service import build_demo

COUNTIES = ["360111", "360121"]


def build_deliverables(root: Path, langs: tuple[str, ...] = ("zh", "en")) -> dict[str, Path]:
    """Build the demo at ``root/ws`` and write its deliverables to ``root/out``; name → path."""
    ws = root / "ws"
    build_demo(ws, DemoOptions(scale="tiny", seed=2019, counties=COUNTIES, picture=False))
    sites = prepare_main_job(ws, 2019).sites
    return render_deliverables(ws, sites, root / "out", langs)


def render_deliverables(ws: Path, sites: list[str], out: Path,
                        langs: tuple[str, ...] = ("zh", "en")) -> dict[str, Path]:
    """Run the demo-build commands on the demo workspace ``ws``; name → path."""
    site = next(s for s in sites if "pbf" in s)
    steps: list[tuple[str, list[str]]] = [
        ("change.xlsx", ["change", ws, "--from", "2019", "--to", "2020", "--open-cases",
                         "--post-ledger", "--xlsx", out / "change.xlsx"]),
        ("stats.xlsx", ["stats", ws, "--vintage", "2020", "--out", out / "stats.xlsx"]),
        ("ledger.xlsx", ["ledgers", "balance", ws, "--xlsx", out / "ledger.xlsx"]),
        ("cases.xlsx", ["cases", "list", ws, "--xlsx", out / "cases.xlsx"]),
        ("review-summary.xlsx", ["review", ws, str(Path(site).parent), "--batch", "--out",
                                 out / "review-summary.xlsx"]),
        ("indicators.xlsx", ["indicators", "report", ws, "--year", "2020", "--out",
                             out / "indicators.xlsx"]),
    ]
    steps.append(("_users", ["users", "add", ws, "reviewer", "--password", "reviewer-password-1",
                             "--role", "analyst", "--region", "360000", "--name", "李审查"]))
    for lang in langs:
        steps += [
            (f"qc-{lang}.html", ["qc", ws, "--kind", "dltb", "--vintage", "2020", "--lang", lang,
                                 "--out", out / f"qc-{lang}.html"]),
            (f"case-{lang}.pdf", ["cases", "sheet", ws, "1", "--lang", lang,
                                  "--out", out / f"case-{lang}.pdf"]),
            (f"review-{lang}.pdf", ["review", ws, site, "--lang", lang, "--user", "reviewer",
                                    "--pdf", out / f"review-{lang}.pdf",
                                    "--html", out / f"review-{lang}.html"]),
            (f"indicators-{lang}.pdf", ["indicators", "report", ws, "--year", "2020", "--lang",
                                        lang, "--out", out / f"indicators-{lang}.pdf"]),
            (f"indicators-{lang}.html", ["indicators", "report", ws, "--year", "2020", "--lang",
                                         lang, "--out", out / f"indicators-{lang}.html"]),
        ]
    runner = CliRunner()
    made: dict[str, Path] = {}
    for name, argv in steps:
        result = runner.invoke(create_cli(), [str(a) for a in argv])
        assert result.exit_code == 0, (name, result.output, result.exception)
        if not name.startswith("_"):
            made[name] = out / name
    made.update({p.name: p for p in out.glob("review-*.html")})
    return made


def text_of(path: Path) -> str:
    """The text a reader of ``path`` sees (XLSX cells, PDF text, HTML without markup)."""
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        try:
            return "\n".join(str(c) for sheet in book.worksheets
                             for row in sheet.iter_rows(values_only=True) for c in row
                             if c is not None)
        finally:
            book.close()
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"data:image/[^ ]+", " ", html)
