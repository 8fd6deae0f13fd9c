"""``onemap review``: site compliance review (用地预审与选址 合规性审查), one site or a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import onemap.store.kinds  # noqa: F401  (registers the layer kinds' labels)
from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.quota.service import review_lookup
from onemap.review.models import ProjectInfo, SiteReview
from onemap.review.service import ReviewService, project_name_of, read_site
from onemap.standards.labels import label
from onemap.store.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout")]


def _print(review: SiteReview, lang: str = "zh") -> None:
    en = lang == "en"
    verdict = label("review_verdict", review.verdict, lang)
    view = Table(title=f"Site review {review.review_id}  verdict: {verdict}" if en
                 else f"用地审查 {review.review_id}  结论: {verdict}")
    for col in ("Item", "Area (m²)", "ha") if en else ("项目", "面积(平方米)", "公顷"):
        view.add_column(col)
    view.add_row("Site area" if en else "用地总面积", f"{review.area_m2:,.2f}",
                 f"{review.area_m2 / 1e4:,.4f}")
    for code, area in review.landuse.items():
        view.add_row(f"{code} {label('land_class', code, lang)}", f"{area:,.2f}",
                     f"{area / 1e4:,.4f}")
    for kind, area in review.overlaps.items():
        if area > 0:
            name = label("layer_kind", kind, lang)
            view.add_row(f"Inside {name}" if en else f"压占 {name}", f"{area:,.2f}",
                         f"{area / 1e4:,.4f}")
    view.add_row("Outside the urban development boundary" if en else "城镇开发边界外",
                 f"{review.totals.udb_outside_m2:,.2f}",
                 f"{review.totals.udb_outside_m2 / 1e4:,.4f}")
    stdout.print(view)
    for rule in review.rules:
        text = rule.text_en or rule.text if en else rule.text
        stdout.print(f"[{label('review_severity', rule.severity, lang)}] {rule.id} {text}",
                     markup=False)


def review(
    directory: Annotated[Path, typer.Argument(help="workspace folder")],
    site: Annotated[Path, typer.Argument(help="site file (coordinate TXT, SHP, GPKG, GeoJSON) "
                                               "or, with --batch, a folder of them")],
    batch: Annotated[bool, typer.Option("--batch", help="review every site file in SITE")] = False,
    out: Annotated[Path | None, typer.Option(help="batch summary FILE.xlsx or FILE.csv")] = None,
    pdf: Annotated[Path | None, typer.Option(help="write the PDF report here")] = None,
    html: Annotated[Path | None, typer.Option(help="write the HTML report here")] = None,
    lang: Annotated[str, typer.Option(help="report language zh | en")] = "zh",
    project: Annotated[str, typer.Option(help="project name (项目名称)")] = "",
    national_key: Annotated[bool, typer.Option(
        "--national-key", help="国家重大建设项目 (may occupy PBF with State Council approval)")]
        = False,
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Review a site against land use and control lines; verdict, rules, 占补平衡, report."""
    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    ws = Workspace.open(directory)
    service = ReviewService(ws, quota_lookup=review_lookup(ws))
    info = ProjectInfo(name=project, national_key=national_key)
    actor = actor_for(ws, user)
    if batch:
        summary = service.review_folder(site, actor, project=info)
        if out is not None:
            from onemap.reports.review import write_batch_summary

            write_batch_summary(summary, out)
            stderr.print(f"已写出 written {out}")
        if json_:
            emit_json(summary)
            return
        view = Table(title=f"批量审查 {summary.folder} ({summary.elapsed_s:.1f} s)")
        for col in ("文件", "结论", "面积(公顷)", "规则", "错误"):
            view.add_column(col)
        for r in summary.rows:
            view.add_row(r.file, r.verdict, f"{r.area_m2 / 1e4:,.4f}", ",".join(r.rules), r.error)
        stdout.print(view)
        return
    parcels = read_site(site)
    result = service.review(parcels, actor, project=info,
                            site_name=project or project_name_of(site, parcels) or site.stem,
                            source=site.name)
    if pdf is not None or html is not None:
        from onemap.reports.review import render_review_html, render_review_pdf

        fmt = "pdf" if pdf is not None else "html"
        result, parcels, layers = service.report_inputs(result.review_id, actor, fmt)
        if html is not None:
            html.write_text(render_review_html(result, parcels, layers, lang=lang), "utf-8")
            stderr.print(f"已写出 written {html}")
        if pdf is not None:
            pdf.write_bytes(render_review_pdf(result, parcels, layers, lang=lang))
            stderr.print(f"已写出 written {pdf}")
    if json_:
        emit_json(result)
    else:
        _print(result, lang)


def register(app: typer.Typer) -> None:
    """Add the ``review`` command to ``app``."""
    app.command("review")(review)
