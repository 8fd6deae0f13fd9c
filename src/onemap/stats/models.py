"""Typed results of official land-use statistics (统计汇总)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

AdminLevel = Literal["province", "city", "county", "township"]
LEVELS: tuple[AdminLevel, ...] = ("province", "city", "county", "township")
LEVEL_NAMES_ZH: dict[str, str] = {
    "province": "省级", "city": "市级", "county": "县级", "township": "乡级",
}
TOTAL_CODE = "total"  # class_code of the 合计 row of an admin unit


class StatsRow(BaseModel):
    """One row of a land-use area table: one admin unit × one land class (or its total)."""

    level: AdminLevel = Field(description="行政区级别")
    admin_code: str = Field(description="行政区代码 (6 digits; township 9 digits)")
    admin_name: str = Field("", description="行政区名称 (XZQMC from the admin layers)")
    class_level: Literal[0, 1, 2] = Field(
        description="地类级别: 0 合计, 1 一级类, 2 二级类 (三调工作分类编码)")
    class_code: str = Field(description="地类编码 ('total' for the 合计 row)")
    class_name: str = Field("", description="地类名称")
    area_m2: float = Field(description="面积 (平方米), exact sum of 0.01 m² figures")
    area_ha: float = Field(description="面积 (公顷), rounded to 0.01 and reconciled to the total")
    area_mu: float = Field(description="面积 (亩), rounded to 0.01 and reconciled to the total")


class StatsTable(BaseModel):
    """Land-use area tables of one DLTB vintage, for one or every admin level."""

    vintage: int = Field(description="年度")
    kind: str = "dltb"
    levels: list[AdminLevel]
    counties: list[str] = Field(description="counties that went into the tables")
    features: int = Field(description="图斑数")
    generated_at: datetime | None = None
    rows: list[StatsRow]

    def level_rows(self, level: AdminLevel) -> list[StatsRow]:
        """Return the rows of one admin level."""
        return [r for r in self.rows if r.level == level]
