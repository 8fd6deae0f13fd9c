"""Collaborators injected into routers, and the one place the current user is resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onemap.store.access import Actor
from onemap.store.workspace import Workspace

from fastapi import Request

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Settings of the web service (env prefix ``ONEMAP_``)."""

    model_config = SettingsConfigDict(env_prefix="ONEMAP_", env_nested_delimiter="__")

    workspace: Path = Field(Path("."), description="工作空间目录 workspace folder")
    host: str = Field("127.0.0.1", description="监听地址 (loopback by default)")
    port: int = Field(8000, description="端口")
    public_coordinate_decimals: int = Field(
        3, description="公众版坐标保留小数位 (desensitised coordinates, 3 ≈ 100 m)")
    tile_max_bytes: int = Field(500_000, description="矢量瓦片大小上限 (bytes)")


@dataclass
class AppContext:
    """What every router factory receives: the workspace and the settings."""

    workspace: Workspace
    settings: ApiSettings
    extras: dict[str, Any] = field(default_factory=dict)


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the authenticated :class:`Actor` of this request.

    The auth middleware stores it in ``request.state.actor``; routers depend on
    this function and pass the actor to services, which enforce region scope.
    """
    actor = getattr(request.state, "actor", None)
    if actor is None:
        from onemap.store.access import Role

        return Actor(username="anonymous", role=Role.PUBLIC, regions=["360000"])
    return actor
