"""The workspace file ``onemap.toml``, loaded into one typed model."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, Field, field_validator

from onemap.errors import WorkspaceError
from onemap.standards.regions import DEFAULT_ROOT_REGION
from onemap.store.kinds import KINDS

CONFIG_FILE = "onemap.toml"
CATALOG_FILE = "catalog.sqlite"


class Thresholds(BaseModel):
    """Numeric thresholds shared by capabilities (sliver control, buffers)."""

    min_change_area_construction_m2: float = Field(400.0, description="最小上图面积: 建设用地")
    min_change_area_farmland_m2: float = Field(600.0, description="最小上图面积: 耕地")
    min_change_area_other_m2: float = Field(1500.0, description="最小上图面积: 其他地类")
    min_change_width_m: float = Field(5.0, description="最小图斑宽度 (m)")
    hazard_buffer_m: float = Field(500.0, description="地质灾害隐患点缓冲距离 (m)")
    tbmj_tolerance_rel: float = Field(1e-4, description="TBMJ 与椭球面积的相对容差")


class WorkspaceConfig(BaseModel):
    """Contents of ``onemap.toml``.

    ``database_url`` empty means the SQLite file ``catalog.sqlite`` in the workspace folder.
    """

    name: str = Field("onemap", description="工作空间名称")
    root_region: str = Field(DEFAULT_ROOT_REGION, description="根行政区划代码 (省级)")
    database_url: str = Field("", description="目录数据库 URL; 空则使用工作空间内 SQLite")
    language: str = Field("zh", description="报告与界面默认语言 zh / en")
    rules_file: str = Field("", description="合规审查规则文件 (TOML/YAML); 空则使用内置规则")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="阈值 (见 [thresholds])")
    secret_key: str = Field("", description="会话签名密钥; 空则在 init 时生成")
    aliases: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="导入字段别名 [aliases.<kind>] 源字段 = 标准字段, 如 [aliases.dltb] "
                    "地类代码 = \"DLBM\"; 命令行 --alias 优先")

    @field_validator("root_region")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit():
            raise ValueError("root_region must be a 6-digit 行政区划代码")
        return value

    @field_validator("aliases")
    @classmethod
    def _known_fields(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for kind, mapping in value.items():
            spec = KINDS.get(kind)
            if spec is None:
                raise ValueError(f"aliases: unknown layer kind {kind!r}; known kinds: "
                                 f"{', '.join(KINDS)}")
            for src, dst in mapping.items():
                if not src.strip():
                    raise ValueError(f"aliases.{kind}: empty source field name")
                if spec.fields and spec.spec(dst) is None:
                    raise ValueError(f"aliases.{kind}: {src} = {dst!r}: not a field of layer "
                                     f"kind {kind}; fields: {', '.join(spec.field_names)}")
        return value

    @field_validator("language")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError("language must be zh or en")
        return value


def load_config(root: Path) -> WorkspaceConfig:
    """Read and validate ``root/onemap.toml``."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise WorkspaceError(f"not an onemap workspace (no {CONFIG_FILE})", path=str(root))
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return WorkspaceConfig.model_validate(data)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise WorkspaceError(f"invalid workspace file: {exc}", path=str(path)) from None


def save_config(root: Path, config: WorkspaceConfig) -> None:
    """Write ``root/onemap.toml``."""
    text = tomli_w.dumps(config.model_dump(mode="json"))
    (root / CONFIG_FILE).write_text(text, encoding="utf-8")
