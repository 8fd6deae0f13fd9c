"""Site review service: read the site, overlay the workspace's layers, apply rules, record.

Layers are read through the workspace's one read path (:class:`~onemap.store.reader.
WorkspaceReader`): only what the reviewer may read (their counties, no withheld layers),
from the shared partition cache, so keep one service per process (the API and the batch
mode do) for warm latency. Every county the site touches must be in the reviewer's scope.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import threading
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import shapely
from sqlalchemy import select

from onemap import __version__
from onemap.errors import InvalidInput
from onemap.geometry.bbox import BBox, expand_bbox
from onemap.review.analysis import (
    CONTROL_KINDS,
    FIGURE_NAMES,
    analyse_parcel,
    check_parcels,
    rule_figures,
    sum_parcels,
)
from onemap.review.balance import farmland_balance
from onemap.review.errors import ReviewNotFound, SiteRejected
from onemap.review.models import (
    VERDICT_EN,
    BatchRow,
    BatchSummary,
    CountyQuota,
    FarmlandBalance,
    LayerVintage,
    ParcelFigures,
    ProjectInfo,
    ReviewRecord,
    RuleSet,
    SiteReview,
)
from onemap.review.rules import decide_verdict, evaluate_rules, parse_rules
from onemap.review.schema import ReviewRow
from onemap.store.db import utc_now as _now
from onemap.store.kinds import get_kind
from onemap.store.partitions import GEOGRAPHIC_CRS
from onemap.store.policy import Action
from onemap.store.reader import WorkspaceReader
from onemap.users.identity import display_name

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from onemap.store.access import Actor
    from onemap.store.workspace import Workspace

    # remaining 占补平衡 quota of counties, injected by the adapters (onemap.quota)
    QuotaLookup = Callable[[Actor, list[str]], Sequence[Mapping[str, Any]]]

_log = logging.getLogger(__name__)

ADMIN_KINDS = ("admin_county", "admin_township")
REVIEW_KINDS = ["dltb", *CONTROL_KINDS, *ADMIN_KINDS]
REQUIRED_KINDS = ("dltb", "pbf", "eco_redline", "udb", "nature_reserve")
ID_COLUMNS = ("DKBH", "parcel_id", "BSM", "id", "ID", "编号", "地块编号")
NAME_COLUMNS = ("DKMC", "name", "NAME", "名称", "地块名称", "XMMC")
SITE_SUFFIXES = {".txt", ".shp", ".gpkg", ".geojson", ".json", ".fgb", ".zip"}
# Columns the review reads from the large layers (others keep every column).
REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "dltb": ("DLBM", "KCDLBM", "KCXS", "GDDB", "ZLDWDM", "county"),
    "pbf": ("XZQDM", "county"),
}


def load_default_rules() -> RuleSet:
    """Return the built-in rule set (``onemap/review/default_rules.toml``)."""
    text = resources.files("onemap.review").joinpath("default_rules.toml").read_text("utf-8")
    return parse_rules(text, "toml", known=set(FIGURE_NAMES))


def parcels_from_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Normalise features into parcels: ``parcel_id``, ``name``, geometry in EPSG:4490."""
    if gdf.crs is None:
        raise SiteRejected("the site has no coordinate reference system (缺少坐标系)")
    frame = gdf.to_crs(GEOGRAPHIC_CRS) if gdf.crs.to_epsg() != 4490 else gdf
    id_col = next((c for c in ID_COLUMNS if c in frame.columns), None)
    name_col = next((c for c in NAME_COLUMNS if c in frame.columns), None)
    ids = (frame[id_col].astype(str).tolist() if id_col
           else [str(i + 1) for i in range(len(frame))])
    ids = [v if v and v not in ("nan", "None") else str(i + 1) for i, v in enumerate(ids)]
    names = frame[name_col].fillna("").astype(str).tolist() if name_col else [""] * len(frame)
    out = gpd.GeoDataFrame({"parcel_id": ids, "name": names},
                           geometry=list(frame.geometry.to_numpy()), crs=GEOGRAPHIC_CRS)
    check_parcels(out)
    return out


def parcels_from_geojson(obj: dict[str, Any]) -> gpd.GeoDataFrame:
    """Parcels from a GeoJSON object (geometry, Feature or FeatureCollection, lon/lat)."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise InvalidInput("the body is not a GeoJSON object")
    if obj["type"] == "FeatureCollection":
        features = obj.get("features") or []
    elif obj["type"] == "Feature":
        features = [obj]
    else:
        features = [{"type": "Feature", "geometry": obj, "properties": {}}]
    try:
        gdf = gpd.GeoDataFrame.from_features(features, crs=GEOGRAPHIC_CRS)
    except Exception as exc:  # shapely/geopandas raise several kinds on bad GeoJSON
        raise InvalidInput(f"invalid GeoJSON: {exc}") from None
    if len(gdf) and "geometry" in gdf:
        minx, miny, maxx, maxy = gdf.total_bounds
        if min(minx, miny) < -180 or max(maxx, maxy) > 180:
            raise SiteRejected("GeoJSON coordinates must be longitude/latitude degrees "
                               "(CGCS2000); projected coordinates are not accepted here")
    return parcels_from_frame(gdf)


def read_site(path: str | Path) -> gpd.GeoDataFrame:
    """Read a site file (coordinate TXT, Shapefile, GeoPackage, GeoJSON) into parcels."""
    from onemap.store.formats import read_features

    return parcels_from_frame(read_features(str(path)))


def project_name_of(path: str | Path, parcels: gpd.GeoDataFrame) -> str:
    """Return the project name a site file states (项目名称), else ``""``.

    A coordinate TXT's ``[项目信息]`` section names it (``项目名称``); without one, the
    name its parcel headers share (地块名称) is the project's. Other files: the parcels'
    shared name.
    """
    path = Path(path)
    if path.suffix.lower() == ".txt":
        from onemap.store.formats.coordinate_txt import read_coordinate_txt

        stated = read_coordinate_txt(path).project.get("项目名称", "").strip()
        if stated:
            return stated
    names = {str(n).strip() for n in parcels.get("name", []) if isinstance(n, str) and n.strip()}
    return names.pop() if len(names) == 1 else ""


def _site_json(parcels: gpd.GeoDataFrame) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(parcels.to_json(drop_id=True))
    return data


def _admin_names(layers: dict[str, gpd.GeoDataFrame], codes: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for kind, width in (("admin_county", 6), ("admin_township", 9)):
        frame = layers.get(kind)
        if frame is None or "XZQMC" not in frame.columns:
            continue
        for code, name in zip(frame["XZQDM"].astype(str).str[:width], frame["XZQMC"],
                              strict=True):
            if code in codes and isinstance(name, str) and name:
                names[code] = name
    return dict(sorted(names.items()))


def _review_id(parcels: gpd.GeoDataFrame, project: ProjectInfo, rules: RuleSet,
               buffer_m: float, vintages: list[LayerVintage]) -> str:
    geoms = shapely.normalize(shapely.set_precision(parcels.geometry.to_numpy(), 1e-9))
    payload = {
        "parcels": [[i, n, shapely.to_wkb(g, hex=True)] for i, n, g in
                    zip(parcels["parcel_id"], parcels["name"], geoms, strict=True)],
        "project": project.model_dump(mode="json"),
        "rules": rules.checksum,
        "buffer_m": buffer_m,
        "data": [[v.kind, v.vintage, v.checksum] for v in vintages],
        "engine": __version__,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return f"RV{digest[:20].upper()}"


class ReviewService:
    """Site compliance review over one workspace."""

    def __init__(self, ws: Workspace, reader: WorkspaceReader | None = None, *,
                 quota_lookup: QuotaLookup | None = None) -> None:
        """Bind the service to ``ws``.

        ``quota_lookup(actor, counties)``, injected by the adapters, returns the remaining
        占补平衡 quota of the counties a site touches (``CountyQuota`` fields).
        """
        self.ws = ws
        self.quota_lookup = quota_lookup
        self.reader = reader or WorkspaceReader(ws)
        self.cache = self.reader.cache
        self._rules: tuple[tuple[str, float], RuleSet] | None = None
        self.warm_stop = threading.Event()

    # -- rules -----------------------------------------------------------------------
    def rule_set(self) -> RuleSet:
        """Return the workspace's rule set (``rules_file`` in onemap.toml) or the default."""
        name = self.ws.config.rules_file
        if not name:
            key = ("", 0.0)
            if self._rules is None or self._rules[0] != key:
                self._rules = (key, load_default_rules())
            return self._rules[1]
        path = Path(name) if Path(name).is_absolute() else self.ws.root / name
        if not path.is_file():
            raise InvalidInput(f"rule file {name} not found", path=str(path))
        key = (str(path), path.stat().st_mtime)
        if self._rules is None or self._rules[0] != key:
            fmt = path.suffix.lower().lstrip(".")
            self._rules = (key, parse_rules(path.read_text("utf-8"), fmt,
                                            known=set(FIGURE_NAMES)))
        return self._rules[1]

    # -- review ----------------------------------------------------------------------
    def load_layers(self, bbox: BBox, actor: Actor
                    ) -> tuple[dict[str, gpd.GeoDataFrame], list[LayerVintage], list[str]]:
        """Read every review layer near ``bbox`` (latest vintage) as the actor may read it.

        Returns the frames, the vintages read and the kinds withheld from the actor
        (e.g. 涉密 secret layers, read for provincial admins only). Only partitions of
        counties in the actor's scope are read.
        """
        scoped = self.reader.scoped(actor)
        layers: dict[str, gpd.GeoDataFrame] = {}
        vintages: list[LayerVintage] = []
        withheld: list[str] = []
        for kind in REVIEW_KINDS:
            entry, held = scoped.latest(kind)
            if entry is None:
                if held:
                    withheld.append(kind)
                continue
            near = scoped.near(entry, bbox, REVIEW_COLUMNS.get(kind))
            layers[kind] = near.frame
            vintages.append(LayerVintage(
                kind=kind, title_zh=get_kind(kind).title_zh, vintage=entry.info.vintage,
                revision=entry.info.revision, counties=near.counties, checksum=near.checksum))
        return layers, vintages, withheld

    def warm(self, counties: list[str] | None = None, *,
             stop: threading.Event | None = None) -> int:
        """Load every review layer's partitions (of ``counties``) into the cache.

        Call once when a server starts so that the first reviews are warm; returns
        the number of partitions loaded. Stops once the cache is full (loading more
        would only evict the first ones) or as soon as ``stop`` is set.
        """
        wanted = set(counties) if counties is not None else None
        loaded = 0
        try:
            for kind in REVIEW_KINDS:
                entry = self.reader.catalog.latest(kind)
                for part in entry.partitions if entry is not None else []:
                    if self.cache.full or (stop is not None and stop.is_set()):
                        return loaded
                    if wanted is None or part.county in wanted:
                        self.cache.get(part, REVIEW_COLUMNS.get(kind))
                        loaded += 1
            return loaded
        finally:
            # The cached partitions live as long as the server: keep the cyclic garbage
            # collector from walking their millions of objects on every full collection
            # (0.4 s pauses on a province, measured in bench_province's review step).
            gc.freeze()

    def warm_in_background(self, counties: list[str] | None = None) -> threading.Thread:
        """Start :meth:`warm` on a daemon thread and return at once (server start-up).

        Reviews served meanwhile are answered as usual (a partition not loaded yet is
        read for the site's bbox only); set ``self.warm_stop`` to end the warm-up early.
        A failure is logged, never raised: a cold cache is slower, not wrong.
        """

        def run() -> None:
            started = time.perf_counter()
            try:
                n = self.warm(counties, stop=self.warm_stop)
            except Exception:  # logged; serving goes on with a cold cache
                _log.warning("review cache warm-up failed", exc_info=True)
                return
            _log.info("review cache warm: %d partitions in %.1f s", n,
                      time.perf_counter() - started)

        thread = threading.Thread(target=run, name="review-warm", daemon=True)
        thread.start()
        return thread

    def review(self, parcels: gpd.GeoDataFrame, actor: Actor, *,
               project: ProjectInfo | None = None, site_name: str = "", source: str = "",
               record: bool = True) -> SiteReview:
        """Review a site given as parcels (see :func:`parcels_from_frame`)."""
        project = project or ProjectInfo()
        self.ws.authorize(actor, Action.REVIEW, what="site reviews")
        try:
            return self._review(parcels, actor, project, site_name, source, record)
        finally:
            self.cache.flush()  # background loads start once this query is answered

    def _review(self, parcels: gpd.GeoDataFrame, actor: Actor, project: ProjectInfo,
                site_name: str, source: str, record: bool) -> SiteReview:
        rules = self.rule_set()
        buffer_m = self.ws.config.thresholds.hazard_buffer_m
        minx, miny, maxx, maxy = (float(v) for v in parcels.total_bounds)
        for county in self.reader.site_counties(parcels.geometry.to_numpy()):
            self.ws.authorize(actor, Action.REVIEW, county, what="the site")
        layers, vintages, withheld = self.load_layers(
            expand_bbox((minx, miny, maxx, maxy), buffer_m / 100_000.0 * 1.2), actor)
        figures = [analyse_parcel(str(pid), str(name), geom, layers, hazard_buffer_m=buffer_m)
                   for pid, name, geom in zip(parcels["parcel_id"], parcels["name"],
                                              parcels.geometry.to_numpy(), strict=True)]
        totals = sum_parcels(figures)
        if "dltb" in layers and totals.uncovered_m2 >= totals.area_m2 - 1e-6:
            raise SiteRejected("the site lies outside the workspace's land-use data "
                               "(用地范围不在本工作空间数据范围内)")
        for county in totals.counties:
            self.ws.authorize(actor, Action.REVIEW, county, what="the site")
        missing = [k for k in REQUIRED_KINDS if k not in layers] + withheld
        flat = rule_figures(totals, project, missing)
        triggered = evaluate_rules(rules, flat)
        verdict = decide_verdict(triggered)
        result = SiteReview(
            review_id=_review_id(parcels, project, rules, buffer_m, vintages),
            verdict=verdict, verdict_en=VERDICT_EN[verdict],
            site_name=site_name or project.name, project=project, area_m2=totals.area_m2,
            landuse=totals.landuse, overlaps=totals.overlaps, figures=flat, totals=totals,
            parcels=figures, rules=triggered, balance=self._balance(totals, actor),
            vintages=vintages, missing_layers=missing,
            admin_names=_admin_names(layers, {*totals.counties, *totals.townships}),
            rule_set=f"{rules.name} {rules.version}",
            hazard_buffer_m=buffer_m, reviewed_at=_now(), reviewer=actor.username,
            reviewer_name=display_name(self.ws, actor))
        if record:
            self._record(result, parcels, actor, source)
        return result

    def _balance(self, totals: ParcelFigures, actor: Actor) -> FarmlandBalance:
        """Return the 占补平衡 need, with the counties' remaining quota when a ledger is kept."""
        need = farmland_balance(totals)
        if self.quota_lookup is None or not need.required:
            return need
        grade = need.required_grade
        for row in self.quota_lookup(actor, sorted(totals.counties)):
            q = CountyQuota.model_validate(row)
            usable = (sum(a for g, a in q.by_grade.items() if int(g) <= grade)
                      if grade is not None else q.quantity_m2)
            q.covers = usable >= need.farmland_m2 and q.paddy_m2 >= need.paddy_m2
            need.remaining.append(q)
        return need

    def review_file(self, path: str | Path, actor: Actor, **kwargs: Any) -> SiteReview:
        """Review the site in a coordinate TXT, Shapefile, GeoPackage or GeoJSON file."""
        path = Path(path)
        parcels = read_site(path)
        kwargs.setdefault("site_name", project_name_of(path, parcels) or path.stem)
        return self.review(parcels, actor, source=path.name, **kwargs)

    def review_geojson(self, obj: dict[str, Any], actor: Actor, **kwargs: Any) -> SiteReview:
        """Review a site drawn on the map (GeoJSON in lon/lat)."""
        return self.review(parcels_from_geojson(obj), actor, source="geojson", **kwargs)

    def review_folder(self, folder: str | Path, actor: Actor, *,
                      project: ProjectInfo | None = None, record: bool = True) -> BatchSummary:
        """Review every site file in ``folder``; a bad file becomes an error row."""
        from onemap.errors import OnemapError

        folder = Path(folder)
        if not folder.is_dir():
            raise InvalidInput(f"{folder} is not a folder", path=str(folder))
        start = time.perf_counter()
        rows: list[BatchRow] = []
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SITE_SUFFIXES):
            try:
                r = self.review_file(path, actor, project=project, record=record)
            except OnemapError as exc:
                rows.append(BatchRow(file=path.name, error=f"[{exc.code}] {exc.user_message}"))
                continue
            f = r.figures
            rows.append(BatchRow(
                file=path.name, review_id=r.review_id, verdict=r.verdict, area_m2=r.area_m2,
                farmland_m2=f["farmland_m2"], pbf_m2=f["pbf_m2"],
                eco_redline_m2=f["eco_redline_m2"], udb_outside_m2=f["udb_outside_m2"],
                rules=[t.id for t in r.rules]))
        return BatchSummary(folder=str(folder), rows=rows,
                            elapsed_s=time.perf_counter() - start)

    # -- catalog ---------------------------------------------------------------------
    def _record(self, result: SiteReview, parcels: gpd.GeoDataFrame, actor: Actor,
                source: str) -> None:
        inputs = {"site": _site_json(parcels), "project": result.project.model_dump(mode="json"),
                  "source": source, "rule_set": result.rule_set,
                  "vintages": [v.model_dump(mode="json") for v in result.vintages]}
        with self.ws.session() as s:
            s.add(ReviewRow(review_id=result.review_id, at=result.reviewed_at or _now(),
                            actor=actor.username, site_name=result.site_name, source=source,
                            verdict=result.verdict, area_m2=result.area_m2,
                            counties=",".join(result.totals.counties), inputs=inputs,
                            result=result.model_dump(mode="json")))
        self.ws.audit(actor.username, "review.run", result.review_id,
                      {"verdict": result.verdict, "source": source,
                       "area_m2": round(result.area_m2, 2)})

    def _row(self, review_id: str, actor: Actor) -> ReviewRow:
        with self.ws.session() as s:
            row = s.scalars(select(ReviewRow).where(ReviewRow.review_id == review_id)
                            .order_by(ReviewRow.id.desc()).limit(1)).first()
        if row is None:
            raise ReviewNotFound(f"no review {review_id}",
                                 user_message=f"审查记录不存在: {review_id}")
        self.ws.authorize(actor, Action.READ, what=f"review {review_id}")
        for county in filter(None, row.counties.split(",")):
            self.ws.authorize(actor, Action.READ, county, what=f"review {review_id}")
        return row

    def get(self, review_id: str, actor: Actor) -> SiteReview:
        """Return the latest recorded result of ``review_id``."""
        return SiteReview.model_validate(self._row(review_id, actor).result)

    def site_of(self, review_id: str, actor: Actor) -> gpd.GeoDataFrame:
        """Return the parcels a recorded review examined (EPSG:4490)."""
        site = self._row(review_id, actor).inputs["site"]
        assert isinstance(site, dict)
        return gpd.GeoDataFrame.from_features(site["features"], crs=GEOGRAPHIC_CRS)

    def history(self, actor: Actor, limit: int = 100) -> list[ReviewRecord]:
        """Return the newest recorded review runs the actor may see."""
        self.ws.authorize(actor, Action.READ, what="site reviews")
        with self.ws.session() as s:
            rows = s.scalars(select(ReviewRow).order_by(ReviewRow.id.desc()).limit(limit)).all()
        return [ReviewRecord.model_validate(r, from_attributes=True) for r in rows
                if all(self.ws.allows(actor, Action.READ, c)
                       for c in filter(None, r.counties.split(",")))]

    def report_inputs(self, review_id: str, actor: Actor, fmt: str
                      ) -> tuple[SiteReview, gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
        """Return what the report of a recorded review shows: result, site and map layers.

        The caller must be allowed to export; the report is audited (``review.report``).
        """
        self.ws.authorize(actor, Action.EXPORT, what=f"review report {review_id}")
        result = self.get(review_id, actor)
        site = self.site_of(review_id, actor)
        layers = self.map_layers(site, actor)
        self.ws.audit(actor.username, "review.report", review_id, {"format": fmt})
        return result, site, layers

    def map_layers(self, parcels: gpd.GeoDataFrame, actor: Actor,
                   margin_ratio: float = 0.35) -> dict[str, gpd.GeoDataFrame]:
        """Return land use and control layers around the site, for the report map."""
        minx, miny, maxx, maxy = (float(v) for v in parcels.total_bounds)
        pad = max(maxx - minx, maxy - miny) * margin_ratio + 1e-4
        layers, _, _ = self.load_layers(expand_bbox((minx, miny, maxx, maxy), pad), actor)
        self.cache.flush()
        return {k: v for k, v in layers.items() if len(v)}

