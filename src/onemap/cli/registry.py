"""``onemap registry``: natural-resource registration units, registers, coverage (确权登记)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.workspace import Workspace

app = typer.Typer(help="自然资源确权登记 registration units, their register and coverage.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
Dir = Annotated[Path, typer.Argument(help="workspace folder")]
Vintage = Annotated[int | None, typer.Option(help="DLTB vintage (default: latest)")]


@app.command("import")
def import_cmd(directory: Dir, file: Annotated[Path, typer.Argument(help="unit file (SHP, "
                                                                         "GPKG, GeoJSON …)")],
               layer: Annotated[str | None, typer.Option(help="layer of a GPKG/FileGDB")] = None,
               check: Annotated[bool, typer.Option("--check", help="QC only, write nothing")]
               = False, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Import registration units after QC (bad numbers, unknown types, overlaps reject it)."""
    from onemap.registry import service
    from onemap.store.formats.models import ImportRequest

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    request = ImportRequest(path=file, kind="registration_unit", layer=layer)
    if check:
        report = service.check_file(ws, actor, request)
        if json_:
            emit_json(report)
            return
        _print_findings(report.findings)
        return
    result = service.import_units(ws, actor, request)
    if json_:
        emit_json(result)
        return
    stdout.print(f"已导入 {result.units} 个登记单元 ({', '.join(result.counties)}); "
                 f"阶段记录 {result.stages_recorded} 条")


def _print_findings(findings: list) -> None:  # type: ignore[type-arg]
    if not findings:
        stdout.print("质检通过 no findings")
        return
    view = Table(title="登记单元质检 registration QC")
    for col in ("登记单元号", "问题", "另一单元", "重叠面积 m²", "说明"):
        view.add_column(col)
    for f in findings:
        view.add_row(f.unit, f.kind, f.other or "",
                     f"{f.overlap_m2:,.2f}" if f.overlap_m2 is not None else "", f.reason)
    stdout.print(view)


@app.command("qc")
def qc_cmd(directory: Dir, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Registration QC of the stored units in your scope."""
    from onemap.registry import service

    ws = Workspace.open(directory)
    report = service.qc_stored(ws, actor_for(ws, user))
    if json_:
        emit_json(report)
        return
    _print_findings(report.findings)


@app.command("units")
def units_cmd(directory: Dir,
              county: Annotated[str | None, typer.Option(help="only this county")] = None,
              stage: Annotated[str | None, typer.Option(help="only this stage (登记阶段)")] = None,
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List the registration units in your scope with their stage and area."""
    from onemap.registry import service

    ws = Workspace.open(directory)
    units = service.list_units(ws, actor_for(ws, user), county=county, stage=stage)
    if json_:
        emit_json(units)
        return
    view = Table(title=f"自然资源登记单元 ({len(units)})")
    for col in ("登记单元号", "名称", "类型", "县", "阶段", "面积 公顷", "面积 亩"):
        view.add_column(col)
    for u in units:
        view.add_row(u.number, u.name, u.type_name, u.county, u.stage, f"{u.area_ha:,.4f}",
                     f"{u.area_mu:,.2f}")
    stdout.print(view)


@app.command("stage")
def stage_cmd(directory: Dir, number: Annotated[str, typer.Argument(help="登记单元号")],
              stage: Annotated[str, typer.Argument(help="next stage: 地籍调查 审核 公告 登簿")],
              on: Annotated[str | None, typer.Option("--date", help="stage date YYYY-MM-DD")]
              = None, note: Annotated[str, typer.Option(help="说明")] = "",
              user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Move a unit to its next registration stage (appended, audited)."""
    from onemap.registry import service
    from onemap.registry.models import StageIn

    ws = Workspace.open(directory)
    try:
        change = StageIn.model_validate({"stage": stage, "note": note,
                                         "stage_date": date.fromisoformat(on) if on else None})
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    event = service.advance_stage(ws, actor_for(ws, user), number, change)
    if json_:
        emit_json(event)
        return
    stdout.print(f"{number} → {event.stage}")


@app.command("register")
def register_cmd(directory: Dir,
                 number: Annotated[str | None, typer.Argument(help="one unit (default: all)")]
                 = None, vintage: Vintage = None,
                 record: Annotated[bool, typer.Option("--record", help="store the registers")]
                 = False,
                 pdf: Annotated[Path | None, typer.Option(help="write the 登记簿 of NUMBER as "
                                                               "PDF")] = None,
                 xlsx: Annotated[Path | None, typer.Option(help="write every register as "
                                                                "XLSX")] = None,
                 lang: Annotated[str, typer.Option(help="zh | en")] = "zh",
                 user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Compute the register (自然状况, 公共管制, 关联信息) of one unit or of all in scope."""
    from onemap.registry import service

    ws = Workspace.open(directory)
    actor = actor_for(ws, user)
    if pdf is not None:
        if number is None:
            raise typer.BadParameter("--pdf needs a unit NUMBER")
        from onemap.reports.registry import render_register_pdf

        reg = service.register_for_export(ws, actor, number, vintage=vintage)
        render_register_pdf(ws, reg, service.unit_geometry(ws, actor, number), pdf, lang=lang)
        stderr.print(f"已写出 written {pdf}")
        regs = [reg]
    elif xlsx is not None:
        from onemap.reports.registry import write_registers_xlsx

        batch = service.registers_for_export(ws, actor, vintage=vintage)
        write_registers_xlsx(xlsx, batch)
        stderr.print(f"已写出 written {xlsx}")
        regs = batch.registers
    else:
        batch = service.compute_registers(ws, actor, vintage=vintage,
                                          numbers=[number] if number else None, record=record)
        regs = batch.registers
    if json_:
        emit_json(regs)
        return
    view = Table(title="自然资源登记簿 自然状况 (公顷)")
    for col in ("登记单元号", "名称", "阶段", "自然状况", "公共管制", "采矿权"):
        view.add_column(col)
    for r in regs:
        view.add_row(r.unit.number, r.unit.name, r.unit.stage,
                     " ".join(f"{n.resource}{n.area_ha:,.2f}" for n in r.natural_status),
                     " ".join(f"{c.control_zh}{c.area_ha:,.2f}" for c in r.controls),
                     ", ".join(m.licence for m in r.mining_rights))
    stdout.print(view)


@app.command("reregister")
def reregister_cmd(directory: Dir, to: Annotated[int, typer.Option("--to", help="new vintage")],
                   from_: Annotated[int | None, typer.Option("--from", help="earlier vintage")]
                   = None,
                   threshold: Annotated[float, typer.Option(help="share of the unit area")]
                   = 0.01, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Units whose natural status changed beyond the threshold after a new DLTB vintage."""
    from onemap.registry import service

    ws = Workspace.open(directory)
    report = service.reregistration(ws, actor_for(ws, user), to_vintage=to, from_vintage=from_,
                                    threshold=threshold)
    if json_:
        emit_json(report)
        return
    stdout.print(f"{report.from_vintage}→{report.to_vintage}: {len(report.items)} of "
                 f"{report.units_checked} units to re-register (变更登记)")
    for item in report.items:
        moved = ", ".join(f"{c.resource} {c.change_m2:+,.1f} m²" for c in item.changes)
        stdout.print(f"  {item.unit} {item.name}: {item.changed_share:.2%} ({moved})")


@app.command("coverage")
def coverage_cmd(directory: Dir, vintage: Vintage = None,
                 gaps: Annotated[bool, typer.Option("--gaps", help="store the uncovered "
                                                    "territory as layer registration_gap")]
                 = False,
                 post_indicator: Annotated[bool, typer.Option(
                     "--post-indicator", help="record indicator registration_coverage")] = False,
                 year: Annotated[int | None, typer.Option(help="indicator year (default: "
                                                                "the vintage)")] = None,
                 xlsx: Annotated[Path | None, typer.Option(help="write FILE.xlsx")] = None,
                 user: UserOpt = "", json_: JsonOpt = False) -> None:
    """登记全覆盖: share of territory inside units by stage and resource type, and gaps."""
    from onemap.registry import service

    ws = Workspace.open(directory)
    report = service.compute_coverage(ws, actor_for(ws, user), vintage=vintage,
                                      write_gaps=gaps, post_indicator=post_indicator, year=year)
    if xlsx is not None:
        from onemap.reports.registry import write_coverage_xlsx

        write_coverage_xlsx(xlsx, report)
        stderr.print(f"已写出 written {xlsx}")
    if json_:
        emit_json(report)
        return
    view = Table(title=f"自然资源登记全覆盖 {report.vintage}")
    for col in ("行政区", "资源类型", "国土 公顷", "预划", "登簿", "未覆盖 公顷"):
        view.add_column(col)
    for r in report.rows:
        if r.resource != "合计" and len(report.rows) > 40:
            continue
        view.add_row(r.region, r.resource, f"{r.territory_m2 / 1e4:,.2f}",
                     f"{r.covered_share['预划']:.2%}", f"{r.covered_share['登簿']:.2%}",
                     f"{r.gap_m2 / 1e4:,.2f}")
    stdout.print(view)


def register(main: typer.Typer) -> None:
    """Add the ``registry`` command group to ``main``."""
    main.add_typer(app, name="registry")
