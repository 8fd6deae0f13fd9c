"""Layer kinds (图层类型) and their attribute schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from onemap.errors import InvalidInput
from onemap.standards.labels import register as register_labels

FieldType = Literal["str", "int", "float"]
COUNTY_COLUMN = "county"  # 6-digit county code (县级行政区划代码), the partition key


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of a layer kind, as the national standard spells it."""

    name: str
    type: FieldType
    title_zh: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    sensitive: bool = False  # removed from desensitised (public) versions


@dataclass(frozen=True)
class LayerKind:
    """A kind of layer the workspace knows: its schema and how it is partitioned.

    ``coverage`` kinds must tile their county (DLTB); ``county_fields`` are read in
    order to find the county code (first 6 digits); kinds without such a field are
    assigned to counties spatially.
    """

    name: str
    title_zh: str
    title_en: str
    category: str
    geometry: Literal["polygon", "point"]
    fields: tuple[FieldSpec, ...] = ()
    coverage: bool = False
    versioned: bool = True
    county_fields: tuple[str, ...] = ("XZQDM",)
    classification: str = "internal"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        """Standard field names in schema order."""
        return [f.name for f in self.fields]

    def spec(self, name: str) -> FieldSpec | None:
        """Return the field spec called ``name`` (or None)."""
        return next((f for f in self.fields if f.name == name), None)


def _f(name: str, type_: FieldType, zh: str, *aliases: str, required: bool = False,
       sensitive: bool = False) -> FieldSpec:
    return FieldSpec(name, type_, zh, required, tuple(aliases), sensitive)


_ADMIN_FIELDS = (
    _f("XZQDM", "str", "行政区代码", "ADCODE", "CODE", "DM", required=True),
    _f("XZQMC", "str", "行政区名称", "NAME", "MC"),
)

KINDS: dict[str, LayerKind] = {
    k.name: k
    for k in [
        LayerKind("admin_province", "省级行政区", "Province", "行政区划", "polygon",
                  _ADMIN_FIELDS, versioned=False, classification="public"),
        LayerKind("admin_city", "市级行政区", "Prefecture city", "行政区划", "polygon",
                  _ADMIN_FIELDS, versioned=False, classification="public"),
        LayerKind("admin_county", "县级行政区", "County", "行政区划", "polygon",
                  _ADMIN_FIELDS, versioned=False, classification="public"),
        LayerKind("admin_township", "乡级行政区", "Township", "行政区划", "polygon",
                  _ADMIN_FIELDS, versioned=False, classification="public"),
        LayerKind(
            "dltb", "地类图斑", "Land-use polygons (DLTB)", "国土调查", "polygon",
            (
                _f("BSM", "str", "标识码", required=True),
                _f("DLBM", "str", "地类编码", "地类编码", required=True),
                _f("DLMC", "str", "地类名称", "地类名称"),
                _f("QSXZ", "str", "权属性质"),
                _f("QSDWDM", "str", "权属单位代码", sensitive=True),
                _f("QSDWMC", "str", "权属单位名称", sensitive=True),
                _f("ZLDWDM", "str", "坐落单位代码", required=True),
                _f("ZLDWMC", "str", "坐落单位名称"),
                _f("TBMJ", "float", "图斑面积", required=True),
                _f("KCDLBM", "str", "扣除地类编码"),
                _f("KCXS", "float", "扣除地类系数", "TKXS"),
                _f("KCMJ", "float", "扣除地类面积", "TKMJ"),
                _f("TBDLMJ", "float", "图斑地类面积"),
                _f("GDLX", "str", "耕地类型"),
                _f("GDPDJB", "str", "耕地坡度级别"),
                _f("GDDB", "int", "耕地等别"),
                _f("CZCSXM", "str", "城镇村属性码"),
                _f("SJNF", "int", "数据年份"),
            ),
            coverage=True, county_fields=("ZLDWDM", "XZQDM"),
        ),
        LayerKind("pbf", "永久基本农田", "Permanent basic farmland", "三区三线", "polygon", (
            _f("BSM", "str", "标识码"), _f("XZQDM", "str", "行政区代码"),
            _f("DLBM", "str", "地类编码"), _f("GDDB", "int", "耕地等别"),
            _f("MJ", "float", "面积"))),
        LayerKind("eco_redline", "生态保护红线", "Ecological protection red line", "三区三线",
                  "polygon", (_f("HXMC", "str", "红线名称"), _f("HXLX", "str", "红线类型"),
                              _f("XZQDM", "str", "行政区代码"))),
        LayerKind("udb", "城镇开发边界", "Urban development boundary", "三区三线", "polygon",
                  (_f("MC", "str", "名称"), _f("XZQDM", "str", "行政区代码"))),
        LayerKind("nature_reserve", "自然保护地", "Nature reserves", "自然保护地", "polygon", (
            _f("BHQMC", "str", "保护地名称", "NAME"),
            _f("ZONE", "str", "功能分区 (core 核心保护区 / general 一般控制区)", "GNFQ",
               "功能分区", required=True),
            _f("JB", "str", "级别"), _f("XZQDM", "str", "行政区代码"))),
        LayerKind("hsf", "高标准农田", "High-standard farmland", "耕地保护", "polygon", (
            _f("XMMC", "str", "项目名称"), _f("JSND", "int", "建设年度"),
            _f("XZQDM", "str", "行政区代码"))),
        LayerKind("approval", "批准建设用地", "Approved construction land", "用地审批", "polygon", (
            _f("PZWH", "str", "批准文号", required=True), _f("PZRQ", "str", "批准日期"),
            _f("PZMJ", "float", "批准面积"), _f("YDLX", "str", "用地类型"),
            _f("XZQDM", "str", "行政区代码"))),
        LayerKind("land_supply", "土地供应", "Land supply", "用地审批", "polygon", (
            _f("GDBH", "str", "供地编号", required=True), _f("GDRQ", "str", "供地日期"),
            _f("GDMJ", "float", "供地面积"), _f("YT", "str", "用途"),
            _f("YDDGRQ", "str", "约定动工日期"), _f("CJJG", "float", "成交价款 (万元)"),
            _f("XZQDM", "str", "行政区代码"))),
        LayerKind("facility_agri", "设施农业用地备案", "Facility agriculture records", "用地审批",
                  "polygon", (_f("BABH", "str", "备案编号"), _f("XZQDM", "str", "行政区代码"))),
        LayerKind("mining_right", "采矿权", "Mining rights", "矿产资源", "polygon", (
            _f("XKZH", "str", "许可证号", required=True), _f("KQMC", "str", "矿区名称"),
            _f("KZ", "str", "开采矿种"), _f("YXQQ", "str", "有效期起"),
            _f("YXQZ", "str", "有效期止"), _f("XZQDM", "str", "行政区代码"),
            _f("CKQR", "str", "采矿权人", sensitive=True),
            _f("KCFS", "str", "开采方式"), _f("ZT", "str", "状态"))),
        LayerKind("exploration_right", "探矿权", "Exploration rights", "矿产资源", "polygon", (
            _f("XKZH", "str", "许可证号", required=True), _f("XMMC", "str", "勘查项目名称"),
            _f("KZ", "str", "勘查矿种"), _f("YXQQ", "str", "有效期起"),
            _f("YXQZ", "str", "有效期止"), _f("TKQR", "str", "探矿权人", sensitive=True),
            _f("ZT", "str", "状态"), _f("XZQDM", "str", "行政区代码")), versioned=False),
        LayerKind("abandoned_mine", "历史遗留矿山", "Abandoned mines", "矿产资源", "polygon", (
            _f("KSBH", "str", "矿山编号", required=True), _f("KZ", "str", "原开采矿种"),
            _f("SHMJ", "float", "损毁面积"), _f("ZRZT", "str", "有主/无主"),
            _f("ZRDW", "str", "责任主体", sensitive=True), _f("ZLZT", "str", "治理状态"),
            _f("ZLND", "int", "治理年度"), _f("XZQDM", "str", "行政区代码")), versioned=False),
        LayerKind("green_mine", "绿色矿山", "Green mines", "矿产资源", "polygon", (
            _f("XKZH", "str", "许可证号", required=True), _f("KSMC", "str", "矿山名称"),
            _f("JB", "str", "级别 (国家级/省级)"), _f("RXND", "int", "入选年度"),
            _f("FHZT", "str", "复核状态"), _f("XZQDM", "str", "行政区代码")), versioned=False),
        LayerKind("hazard_point", "地质灾害隐患点", "Geohazard points", "地质灾害", "point", (
            _f("ZHDBH", "str", "灾害点编号"),
            _f("ZHLX", "str", "灾害类型 (landslide 滑坡 / collapse 崩塌 / debris_flow 泥石流)"),
            _f("WXRK", "int", "威胁人口", sensitive=True),
            _f("WXCC", "float", "威胁财产 (万元)", sensitive=True),
            _f("XZQDM", "str", "行政区代码"),
            _f("GMDJ", "str", "规模等级"), _f("ZT", "str", "状态 (在册/已治理/已搬迁/核销)"),
            _f("YFCD", "str", "易发程度 (高/中/低)"),
            _f("ZRR", "str", "责任人", sensitive=True),
            _f("JCR", "str", "监测人 (群测群防员)", sensitive=True),
            _f("LXDH", "str", "联系电话", sensitive=True))),
        LayerKind("hazard_zone", "地质灾害风险区", "Geohazard risk zones", "地质灾害", "polygon",
                  (_f("FXDJ", "str", "风险等级"), _f("XZQDM", "str", "行政区代码"),
                   _f("FXQBH", "str", "风险区编号"), _f("YFCD", "str", "易发程度 (高/中/低)"),
                   _f("WXRK", "int", "威胁人口", sensitive=True))),
        LayerKind("monitoring_patch", "监测图斑", "Imagery change patches", "执法监管",
                  "polygon", (_f("JCBH", "str", "监测编号"), _f("QSX", "str", "前时相地类"),
                              _f("HSX", "str", "后时相地类"), _f("XZQDM", "str", "行政区代码"))),
        LayerKind("restoration_project", "生态保护修复项目", "Restoration projects", "生态修复",
                  "polygon", (_f("XMBH", "str", "项目编号", required=True),
                              _f("XMMC", "str", "项目名称"), _f("XMLX", "str", "项目类型"),
                              _f("TZJE", "float", "投资金额 (万元)"), _f("KSNF", "int", "开始年份"),
                              _f("JSNF", "int", "完成年份"), _f("YQDL", "str", "预期地类"),
                              _f("FQKSBH", "str", "废弃矿山编号"),
                              _f("XZQDM", "str", "行政区代码")),
                  versioned=False),
        LayerKind("registration_unit", "自然资源登记单元", "Natural-resource registration units",
                  "确权登记", "polygon", (
                      _f("DJDYH", "str", "登记单元号", "登记单元号", required=True),
                      _f("DJDYMC", "str", "登记单元名称", "登记单元名称"),
                      _f("DJDYLX", "str", "登记单元类型代码", "登记单元类型", required=True),
                      _f("SYQXZ", "str", "所有权性质 (全民所有 / 集体所有)", "所有权性质"),
                      _f("DXZT", "str", "代行主体", "代行主体"),
                      _f("DJJD", "str", "登记阶段", "登记阶段"), _f("JDRQ", "str", "阶段日期"),
                      _f("XZQDM", "str", "行政区代码")), versioned=False),
        LayerKind("registration_gap", "未登记区域", "Territory no registration unit covers",
                  "确权登记", "polygon", (_f("XZQDM", "str", "行政区代码"),
                                         _f("MJ", "float", "面积 (m²)")), versioned=False),
        LayerKind("generic", "自定义图层", "User layer", "自定义", "polygon", ()),
    ]
}


def get_kind(name: str) -> LayerKind:
    """Return the layer kind called ``name`` or raise a clear error."""
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInput(
            f"unknown layer kind {name!r}; known kinds: {', '.join(KINDS)}"
        ) from None


register_labels("layer_kind", {k.name: (k.title_zh, k.title_en) for k in KINDS.values()})
