"""Collaborators injected into routers, and the one place a request's actor is resolved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from onemap.api.auth import Authenticator
from onemap.api.ogc.tiles import TileCache
from onemap.api.ogc.tilestore import DiskTiles, workspace_tiles
from onemap.quota.service import review_lookup
from onemap.review.service import ReviewService
from onemap.store.access import Actor
from onemap.store.reader import PartitionCache, ScopedReader, WorkspaceReader
from onemap.store.workspace import Workspace

from fastapi import Depends, Request


class ApiSettings(BaseSettings):
    """Settings of the web service (env prefix ``ONEMAP_``)."""

    model_config = SettingsConfigDict(env_prefix="ONEMAP_", env_nested_delimiter="__")

    workspace: Path = Field(Path("."), description="workspace folder served")
    host: str = Field("127.0.0.1", description="address to listen on (loopback by default)")
    port: int = Field(8000, description="TCP port")
    public_coordinate_decimals: int = Field(
        3, description="desensitised coordinates: decimals of degrees kept (3 ≈ 100 m)")
    tile_max_bytes: int = Field(500_000, description="largest vector tile before dropping more")
    partition_cache_mb: int = Field(
        3072, ge=16, description="memory (MiB) of decoded partitions and spatial indexes kept "
                                 "by the one read path (features, tiles, site review)")
    tile_cache_entries: int = Field(4096, description="encoded vector tiles kept in memory")
    tile_disk_mb: int = Field(
        1024, ge=0, description="disk (MiB) of low-zoom tiles (z ≤ 9) kept under <workspace>/"
                                "tiles, keyed by ETag (never stale); 0 turns the disk tier off")
    features_max_limit: int = Field(10_000, ge=1,
                                    description="largest 'limit' of an items page (larger "
                                                "requests are served this many)")
    features_default_limit: int = Field(1_000, ge=1,
                                        description="features per items page when the client "
                                                    "gives no 'limit' (GDAL, QGIS take it)")
    trusted_origins: list[str] = Field(
        default_factory=list,
        description="origins (scheme://host[:port]) besides the server's own Host allowed to "
                    "send POST/PUT/PATCH/DELETE, e.g. the public name behind a TLS proxy that "
                    "rewrites Host; JSON list in ONEMAP_TRUSTED_ORIGINS")


@dataclass
class AppContext:
    """What every router factory receives: the workspace, the settings and shared services."""

    workspace: Workspace
    settings: ApiSettings
    auth: Authenticator
    reader: WorkspaceReader
    reviews: ReviewService
    tiles: TileCache
    disk_tiles: DiskTiles | None = None


def build_context(settings: ApiSettings, workspace: Workspace) -> AppContext:
    """Create the shared collaborators of one app: one reader, one cache, one of each service."""
    cache = PartitionCache(workspace.root, settings.partition_cache_mb * 2**20, background=True)
    reader = WorkspaceReader(workspace, cache,
                             public_decimals=settings.public_coordinate_decimals)
    return AppContext(workspace=workspace, settings=settings,
                      auth=Authenticator(workspace), reader=reader,
                      reviews=ReviewService(workspace, reader,
                                            quota_lookup=review_lookup(workspace)),
                      tiles=TileCache(settings.tile_cache_entries),
                      disk_tiles=workspace_tiles(workspace.root, settings.tile_disk_mb * 2**20)
                      if settings.tile_disk_mb > 0 else None)


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the :class:`Actor` of this request.

    Resolved once per request from the session cookie or ``Authorization: Bearer``
    (see :mod:`onemap.api.auth`, which asks :mod:`onemap.users.identity`); callers
    without credentials are public users. Routers pass the actor to services, which ask
    the policy.
    """
    actor = getattr(request.state, "actor", None)
    if actor is None:
        ctx: AppContext = request.app.state.ctx
        actor = ctx.auth.resolve(request)
        request.state.actor = actor
    return actor


def scoped_reader(request: Request,
                  actor: Annotated[Actor, Depends(current_actor)]) -> ScopedReader:
    """FastAPI dependency: the workspace's layers as the current actor may read them."""
    ctx: AppContext = request.app.state.ctx
    return ctx.reader.scoped(actor)
