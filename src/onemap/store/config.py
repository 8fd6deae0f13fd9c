"""The workspace file ``onemap.toml``, loaded into one typed model, and its file modes.

``onemap.toml`` holds the session signing key and the catalog holds password and token
hashes, so both are private to the account running onemap (mode 600).
"""

from __future__ import annotations

import logging
import os
import stat
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
PRIVATE_MODE = 0o600
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")

log = logging.getLogger(__name__)


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
    strict_coordinate_files: bool = Field(
        False, description="界址点坐标 TXT 严格模式: 未闭合的圈等不修复, 拒绝导入 (同 --strict)")
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
    """Write ``root/onemap.toml`` (mode 600: it holds the session signing key).

    The file is written beside the old one and renamed over it, so a reader never
    sees half a file and the key is never readable by others, not even for a moment.
    """
    text = tomli_w.dumps(config.model_dump(mode="json"))
    path = root / CONFIG_FILE
    tmp = path.with_name(f".{CONFIG_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), PRIVATE_MODE)
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def catalog_path(root: Path, database_url: str) -> Path | None:
    """Return the SQLite catalog file of a workspace (None for a server database).

    Examples
    --------
    >>> catalog_path(Path("/ws"), "").as_posix(), catalog_path(Path("/ws"), "postgresql://h/db")
    ('/ws/catalog.sqlite', None)
    """
    if not database_url:
        return root / CATALOG_FILE
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        return Path(database_url.removeprefix("sqlite:///").split("?", 1)[0])
    return None


def create_private_catalog(root: Path, database_url: str) -> None:
    """Create an empty SQLite catalog file with mode 600 before SQLite opens it.

    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode, so they
    are private too.
    """
    path = catalog_path(root, database_url)
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE))


def tighten_modes(root: Path, database_url: str) -> list[Path]:
    """Make ``onemap.toml`` and the SQLite catalog files mode 600 if others may read them.

    Returns the files changed; each change is logged as a warning.
    """
    files = [root / CONFIG_FILE]
    catalog = catalog_path(root, database_url)
    if catalog is not None:
        files += [catalog, *(catalog.with_name(catalog.name + s) for s in _SQLITE_SIDE_FILES)]
    changed = []
    for path in files:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:  # absent (no WAL yet) or unreadable
            continue
        if not mode & 0o077:
            continue
        try:
            os.chmod(path, PRIVATE_MODE)
        except PermissionError:  # not our file: say so, the workspace still opens
            log.warning("%s is mode %o and cannot be made private", path, mode)
            continue
        log.warning("%s was mode %o (readable by others); now %o", path, mode, PRIVATE_MODE)
        changed.append(path)
    return changed
