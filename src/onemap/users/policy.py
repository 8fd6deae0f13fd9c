"""Who may see which layer, and the desensitised (public) version of a layer (脱敏)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from onemap.store.access import Actor, Role
from onemap.store.kinds import get_kind

CLASSIFICATIONS = ("public", "internal", "secret")  # 公开 / 内部 / 涉密


def layer_visible(actor: Actor, classification: str, published: bool) -> bool:
    """Tell whether ``actor`` may see a layer of this classification and publication state.

    Secret layers: provincial admins only. Public users: published public layers only.
    Unpublished layers: admins and analysts (their own region's partitions only).

    Examples
    --------
    >>> from onemap.store.access import Actor, Role
    >>> layer_visible(Actor(username="p", role=Role.PUBLIC), "internal", True)
    False
    >>> layer_visible(Actor(username="r", role=Role.READONLY), "internal", False)
    False
    """
    if classification == "secret":
        return actor.role == Role.ADMIN
    if actor.is_public:
        return classification == "public" and published
    if not published:
        return actor.role in (Role.ADMIN, Role.ANALYST)
    return True


def sensitive_fields(kind: str) -> list[str]:
    """Return the attribute names removed from the public version of ``kind``."""
    return [f.name for f in get_kind(kind).fields if f.sensitive]


def desensitise(gdf: gpd.GeoDataFrame, kind: str, decimals: int) -> gpd.GeoDataFrame:
    """Drop sensitive attributes and round coordinates to ``decimals`` (degrees).

    Notes
    -----
    Coordinates are EPSG:4490 degrees; 3 decimals ≈ 100 m.
    """
    drop = [c for c in sensitive_fields(kind) if c in gdf.columns]
    out = gdf.drop(columns=drop) if drop else gdf.copy()
    geoms = shapely.transform(out.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs))
    return out


def require_admin(actor: Actor, what: str = "administer users") -> None:
    """Raise :class:`ScopeViolation` unless ``actor`` is a provincial admin."""
    from onemap.errors import ScopeViolation

    if actor.role != Role.ADMIN:
        raise ScopeViolation(f"{actor.username} may not {what}",
                             user_message="需要省级管理员权限 (provincial admin only)")


def require_login(actor: Actor, what: str = "do this") -> None:
    """Raise :class:`AuthenticationFailed` for anonymous callers."""
    from onemap.errors import AuthenticationFailed

    if actor.username == "anonymous":
        raise AuthenticationFailed(f"anonymous callers may not {what}",
                                   user_message="请先登录 (please log in)")
