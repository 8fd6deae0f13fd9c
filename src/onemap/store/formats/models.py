"""Typed results of reading, importing, exporting and measuring files (the only schemas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from onemap.errors import ImportRejected, InvalidInput
from onemap.store.kinds import get_kind
from onemap.store.models import LayerInfo

CHUNK_SIZE = 250_000  # features read at a time from large GDAL sources
VINTAGE_MIN, VINTAGE_MAX = 1900, 2200  # 年度 accepted by every import (CLI and API alike)


class SourceInfo(BaseModel):
    """Where features came from: file, format, CRS and text encoding."""

    path: str
    format: str = Field(description="format name, e.g. shapefile, coordinate_txt")
    layer: str = ""
    crs: str = Field("", description="source CRS, e.g. EPSG:4527 (CGCS2000 3° zone 39)")
    crs_origin: str = Field("", description="file / user / 带号 / zone prefix")
    zone: int | None = Field(None, description="Gauss–Krüger zone (带号) when projected")
    encoding: str = Field("", description="text encoding of attributes (UTF-8, GB18030...)")
    encoding_origin: str = Field("", description="user / cpg / detected / format")
    features: int = 0
    notes: list[str] = Field(default_factory=list)


# -- coordinate TXT ---------------------------------------------------------------------
class TxtPoint(BaseModel):
    """One boundary point (界址点) line: ``点号,圈号,X,Y`` (X northing, Y easting)."""

    name: str = Field(description="点号, e.g. J1")
    ring: int = Field(description="圈号")
    x: float = Field(description="X = northing (纵坐标), m")
    y: float = Field(description="Y = easting (横坐标), m, zone-prefixed or not")
    line: int = 0


class TxtRing(BaseModel):
    """One closed ring of a parcel; ``role`` is decided by geometry, not by 圈号."""

    number: int = Field(description="圈号")
    role: Literal["exterior", "hole"] = "exterior"
    points: list[TxtPoint]


class TxtParcel(BaseModel):
    """One parcel (地块) of a coordinate TXT: its header fields and rings.

    ``geometry`` (excluded from JSON) is a shapely Polygon/MultiPolygon in the file's
    projected CRS (x = easting, y = northing).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: int = Field(description="1-based position in the file")
    line: int = Field(0, description="line of the header (地块说明行)")
    point_count: int = Field(description="界址点数 JZDS, counting each ring's closing point")
    area_ha: float | None = Field(None, description="地块面积 DKMJ (公顷), usually planar")
    number: str = Field("", description="地块编号 DKBH")
    name: str = Field("", description="地块名称 DKMC")
    shape: str = Field("面", description="记录图形属性 JLTXSX (点/线/面)")
    sheet: str = Field("", description="图幅号 TFH")
    use: str = Field("", description="地块用途 DKYT")
    dlbm: str = Field("", description="地类编码 DLBM")
    extra: list[str] = Field(default_factory=list, description="further header columns")
    location: list[str] = Field(default_factory=list,
                                description="leading location columns of the 省标 variant")
    rings: list[TxtRing] = Field(default_factory=list)
    geometry: Any = Field(None, exclude=True)


class CoordinateTxt(BaseModel):
    """A whole boundary-coordinate TXT file (部标界址点坐标文件)."""

    path: str = ""
    encoding: str = ""
    attributes: dict[str, str] = Field(default_factory=dict, description="[属性描述]")
    project: dict[str, str] = Field(default_factory=dict, description="[项目信息]/[扩展信息]")
    zone: int = Field(description="带号")
    zone_width: int = Field(3, description="几度分带 (3 or 6)")
    prefixed: bool = Field(True, description="eastings carry the zone number")
    epsg: int = Field(description="EPSG code of the file's CRS")
    parcels: list[TxtParcel]
    warnings: list[str] = Field(default_factory=list,
                                description="repairs of a lenient read (file, line, parcel, "
                                            "ring), e.g. rings closed on read")


# -- areas ----------------------------------------------------------------------------------
class FeatureArea(BaseModel):
    """The ellipsoidal area of one feature or parcel of a file (``onemap area``)."""

    id: str = Field(description="BSM / DKBH / feature number")
    index: int = Field(description="0-based feature position in the file")
    line: int | None = Field(None, description="source line (coordinate TXT, CSV)")
    name: str = ""
    area_m2: float = Field(description="椭球面积 (m², CGCS2000 ellipsoid)")
    area_ha: float = Field(description="公顷")
    area_mu: float = Field(description="亩")
    planar_area_m2: float | None = Field(None, description="平面面积 in the source zone")
    declared_area_m2: float | None = Field(
        None, description="area stated in the file (DKMJ×10000 for TXT, TBMJ for DLTB)")


# -- import / export ----------------------------------------------------------------------
class ImportRequest(BaseModel):
    """What to import (``onemap import``, ``POST /imports``): one file as one layer vintage.

    Built alike by the CLI and the API. Validation refuses an unknown ``kind``
    (:class:`~onemap.errors.InvalidInput`), a versioned kind without ``vintage``
    (:class:`~onemap.errors.ImportRejected`) and aliases that are not ``SRC=FIELD``;
    kinds without vintages get vintage 0.
    """

    path: Path = Field(description="the file to read (a temporary copy for uploads)")
    kind: str = Field(description="layer kind (图层类型), e.g. dltb")
    vintage: int | None = Field(None, description="年度; 0 for kinds without vintages")
    encoding: str | None = Field(None, description="text encoding (default: detect UTF-8/GBK)")
    crs: str | int | None = Field(None, description="source CRS when the file has none")
    layer: str | None = Field(None, description="layer of a GeoPackage/FileGDB")
    aliases: dict[str, str] = Field(default_factory=dict,
                                    description="source field → schema field (--alias SRC=FIELD)")
    skip_invalid: bool = Field(False, description="import the valid features, list the others")
    strict: bool = Field(False, description="refuse coordinate TXT files that need repairs "
                                            "(unclosed rings, partly zone-prefixed eastings)")
    replace: bool = Field(False, description="drop the vintage's other counties too")
    dry_run: bool = Field(False, description="run every check, write nothing (--check)")
    source_name: str | None = Field(
        None, description="the name users know the file by (an upload's file name); reports "
                          "and errors show it instead of ``path``")
    chunk_size: int = Field(CHUNK_SIZE, ge=1, description="features read at a time")

    @property
    def display_name(self) -> str:
        """The file as reports and errors name it: ``source_name``, else ``path``."""
        return self.source_name or str(self.path)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        return get_kind(value).name  # InvalidInput naming the known kinds

    @field_validator("aliases", mode="before")
    @classmethod
    def _alias_items(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return cls.parse_aliases([str(v) for v in value])
        return value

    @classmethod
    def parse_aliases(cls, items: list[str]) -> dict[str, str]:
        """Parse ``SRC=FIELD`` items (``--alias``, ``?alias=``) into ``{SRC: FIELD}``.

        Examples
        --------
        >>> ImportRequest.parse_aliases(["DKBH=PZWH", " DKYT = YDLX "])
        {'DKBH': 'PZWH', 'DKYT': 'YDLX'}
        """
        out: dict[str, str] = {}
        for item in items:
            src, sep, dst = item.partition("=")
            if not sep or not src.strip() or not dst.strip():
                raise InvalidInput(f"--alias expects SRC=FIELD, got {item!r}")
            out[src.strip()] = dst.strip()
        return out

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        import codecs

        try:
            codecs.lookup(value.strip())
        except LookupError:
            raise InvalidInput(f"unknown text encoding {value!r} (e.g. utf-8, gbk, gb18030)",
                               user_message=f"未知的字符编码 unknown text encoding {value!r} "
                                            "(e.g. utf-8, gbk, gb18030)") from None
        return value.strip()

    @model_validator(mode="after")
    def _vintage_rule(self) -> Self:
        if not get_kind(self.kind).versioned:
            self.vintage = 0
        elif self.vintage is None:
            raise ImportRejected(f"layer kind {self.kind} needs a vintage (年度), e.g. "
                                 "--vintage 2020", path=self.display_name)
        elif not VINTAGE_MIN <= self.vintage <= VINTAGE_MAX:
            raise InvalidInput(
                f"vintage {self.vintage} is outside {VINTAGE_MIN}–{VINTAGE_MAX}",
                user_message=f"年度 vintage {self.vintage} 超出范围 is outside "
                             f"{VINTAGE_MIN}–{VINTAGE_MAX}")
        return self


class RejectedFeature(BaseModel):
    """A feature the importer refused, with every reason."""

    index: int = Field(description="0-based position in the file")
    feature_id: str = Field("", description="BSM / DKBH / FID as the user knows it")
    line: int | None = None
    reasons: list[str]
    claimed_county: str | None = Field(
        None, description="county the attributes claim (XZQDM/ZLDWDM), when its boundary "
                          "check failed")
    located_county: str | None = Field(
        None, description="county holding most of the feature (None: outside every county "
                          "boundary of the workspace)")


class RepairedFeature(BaseModel):
    """A feature whose invalid geometry was repaired (make_valid) on import."""

    index: int
    feature_id: str = ""
    line: int | None = None
    reason: str


class ImportReport(BaseModel):
    """Outcome of ``onemap import``."""

    path: str
    kind: str
    vintage: int
    source: SourceInfo
    features_read: int
    features_imported: int
    unchanged: bool = Field(False, description="same file and options already imported")
    dry_run: bool = Field(False, description="checked only (--check): nothing was written")
    field_mapping: dict[str, str] = Field(default_factory=dict, description="source → schema")
    ignored_fields: list[str] = Field(default_factory=list)
    rejected: list[RejectedFeature] = Field(default_factory=list)
    repaired: list[RepairedFeature] = Field(default_factory=list)
    counties: list[str] = Field(default_factory=list)
    fingerprint: str = ""
    layer: LayerInfo | None = None


class ExportReport(BaseModel):
    """Outcome of ``onemap export``."""

    kind: str
    vintage: int
    format: str
    path: str
    files: list[str]
    features: int
    crs: str
    encoding: str = ""
