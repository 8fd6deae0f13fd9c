"""Collaborators injected into routers, and the one place the current user is resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from onemap.store.access import Actor
from onemap.store.workspace import Workspace

from fastapi import Depends, Request

if TYPE_CHECKING:
    from onemap.api.auth import Authenticator
    from onemap.api.scope import CatalogSnapshot, PartitionCache, ScopedData


class ApiSettings(BaseSettings):
    """Settings of the web service (env prefix ``ONEMAP_``)."""

    model_config = SettingsConfigDict(env_prefix="ONEMAP_", env_nested_delimiter="__")

    workspace: Path = Field(Path("."), description="workspace folder served")
    host: str = Field("127.0.0.1", description="address to listen on (loopback by default)")
    port: int = Field(8000, description="TCP port")
    public_coordinate_decimals: int = Field(
        3, description="desensitised coordinates: decimals of degrees kept (3 ≈ 100 m)")
    tile_max_bytes: int = Field(500_000, description="largest vector tile before dropping more")
    partition_cache_rows: int = Field(
        2_000_000, description="rows of partitions kept in memory with their spatial index")
    tile_cache_entries: int = Field(4096, description="encoded vector tiles kept in memory")
    features_max_limit: int = Field(10_000, description="largest 'limit' of an items page")
    trusted_origins: list[str] = Field(
        default_factory=list,
        description="origins (scheme://host[:port]) besides the server's own Host allowed to "
                    "send POST/PUT/PATCH/DELETE, e.g. the public name behind a TLS proxy that "
                    "rewrites Host; JSON list in ONEMAP_TRUSTED_ORIGINS")


@dataclass
class AppContext:
    """What every router factory receives: the workspace, the settings and shared caches."""

    workspace: Workspace
    settings: ApiSettings
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def auth(self) -> Authenticator:
        """The request authenticator (sessions and tokens)."""
        return self.extras["auth"]  # type: ignore[no-any-return]

    @property
    def catalog(self) -> CatalogSnapshot:
        """Cached snapshot of the layer catalog."""
        return self.extras["catalog"]  # type: ignore[no-any-return]

    @property
    def partition_cache(self) -> PartitionCache:
        """LRU of in-memory partitions with spatial indexes."""
        return self.extras["partition_cache"]  # type: ignore[no-any-return]


def install_context(ctx: AppContext) -> None:
    """Create the shared collaborators (authenticator, catalog snapshot, partition cache)."""
    from onemap.api.auth import Authenticator
    from onemap.api.scope import CatalogSnapshot, PartitionCache

    ws = ctx.workspace
    ctx.extras.setdefault("auth", Authenticator(ws, ws.config.root_region))
    ctx.extras.setdefault("catalog", CatalogSnapshot(ws))
    ctx.extras.setdefault("partition_cache",
                          PartitionCache(ws, max_rows=ctx.settings.partition_cache_rows))


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the authenticated :class:`Actor` of this request.

    Resolved once per request from the session cookie or ``Authorization: Bearer``
    (see :mod:`onemap.api.auth`); anonymous callers are public users. Routers pass
    the actor to services, which enforce region scope.
    """
    actor = getattr(request.state, "actor", None)
    if actor is None:
        ctx: AppContext = request.app.state.ctx
        actor = ctx.auth.resolve(request)
        request.state.actor = actor
    return actor


def scoped_data(request: Request,
                actor: Annotated[Actor, Depends(current_actor)]) -> ScopedData:
    """FastAPI dependency: the workspace's layers as the current actor may see them."""
    from onemap.api.scope import ScopedData

    ctx: AppContext = request.app.state.ctx
    return ScopedData(ctx.catalog, ctx.partition_cache, actor,
                      ctx.settings.public_coordinate_decimals)
