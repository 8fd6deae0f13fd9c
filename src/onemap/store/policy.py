"""The one access policy: may this actor take this action, in this region, on this data.

Every service asks :func:`authorize` (through :meth:`Workspace.authorize`, which also
audits refusals) or :func:`allows` (to filter a listing); no service or router decides
access by looking at roles or region codes itself. The decision is role × region ×
classification:

* **role** (:class:`~onemap.store.access.Role`) gives the actions of :data:`ROLE_ACTIONS`;
* **region**: the object's administrative code (county, township, city or province)
  must lie in one of the actor's regions (:meth:`Actor.covers`); province-wide objects
  (the indicator catalog, users of several counties, the audit log) carry the
  workspace's root region, so only actors covering the whole province reach them;
* **classification** (公开 / 内部 / 涉密) and publication of layer data: secret layers are
  for admins only, unpublished layers for admins and analysts, and public (anonymous)
  users read published public layers and nothing else.

Refusing a public user raises :class:`~onemap.errors.LoginRequired` (HTTP 401: log in
first); refusing a logged-in user raises :class:`~onemap.errors.ScopeViolation` (403).
"""

from __future__ import annotations

from enum import StrEnum

import geopandas as gpd
import numpy as np
import shapely

from onemap.errors import LoginRequired, ScopeViolation
from onemap.geometry.uniform import snap_round
from onemap.store.access import Actor, Role
from onemap.store.kinds import get_kind

CLASSIFICATIONS = ("public", "internal", "secret")  # 公开 / 内部 / 涉密


class Action(StrEnum):
    """What an actor asks to do (操作)."""

    READ = "read"  # see data and results: layers, statistics, reviews, cases, ledgers
    REVIEW = "review"  # run a site review, which is recorded (用地审查)
    ENFORCE = "enforce"  # change detection batches, case work and evidence (执法监管)
    EDIT = "edit"  # change data: import layers, QC runs, ledger entries, statistics values
    EXPORT = "export"  # take data away as a file: layer exports, XLSX/PDF downloads (audited)
    CONFIGURE = "configure"  # province settings: indicator catalog and targets, layer access
    ADMINISTER = "administer"  # user accounts and the audit log (系统管理)


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.ANALYST: frozenset({Action.READ, Action.EXPORT, Action.REVIEW, Action.ENFORCE,
                             Action.EDIT}),
    Role.INSPECTOR: frozenset({Action.READ, Action.EXPORT, Action.REVIEW, Action.ENFORCE}),
    Role.READONLY: frozenset({Action.READ, Action.EXPORT}),
    Role.PUBLIC: frozenset({Action.READ}),  # public layers only, see :func:`refusal`
}
"""Actions each role may take (within its regions); the roles × actions table of the docs."""

ACTION_ZH: dict[Action, str] = {
    Action.READ: "查看", Action.REVIEW: "用地审查", Action.ENFORCE: "执法监管",
    Action.EDIT: "修改数据", Action.EXPORT: "导出数据", Action.CONFIGURE: "配置省级指标与图层",
    Action.ADMINISTER: "系统管理",
}


# PLR0911: one return per rule of the policy, in order
def refusal(actor: Actor, action: Action, region: str | None = None, *,  # noqa: PLR0911
            classification: str = "internal", published: bool = True) -> str | None:
    """Why ``actor`` may not take ``action`` on an object of ``region``; None if it may.

    ``region`` is the object's administrative code (None: an object of no region, such
    as a tile matrix set). ``classification`` and ``published`` describe the data: for
    results that are not layers (reviews, cases, ledgers) keep the default, internal.

    Examples
    --------
    >>> from onemap.store.access import Actor, Role
    >>> county = Actor(username="c", role=Role.ANALYST, regions=["360111"])
    >>> refusal(county, Action.EDIT, "360111") is None
    True
    >>> refusal(county, Action.EDIT, "360702")
    'region 360702 is outside the scope of c (360111)'
    >>> refusal(county, Action.CONFIGURE, "360000")
    'role analyst may not configure'
    >>> refusal(Actor(username="p", role=Role.PUBLIC, regions=["360000"]), Action.READ, "360111")
    'public users see published public data only'
    """
    if classification not in CLASSIFICATIONS:
        return f"unknown classification {classification!r}"
    if action not in ROLE_ACTIONS.get(actor.role, frozenset()):
        return f"role {actor.role.value} may not {action.value}"
    if actor.is_public and (action != Action.READ or classification != "public"
                            or not published):
        return "public users see published public data only"
    if classification == "secret" and actor.role != Role.ADMIN:
        return "secret (涉密) data is for provincial admins only"
    if not published and actor.role not in (Role.ADMIN, Role.ANALYST):
        return f"unpublished data is not open to role {actor.role.value}"
    if region is not None and not actor.covers(region):
        return (f"region {region} is outside the scope of {actor.username} "
                f"({', '.join(actor.regions)})")
    return None


def allows(actor: Actor, action: Action, region: str | None = None, *,
           classification: str = "internal", published: bool = True) -> bool:
    """Tell whether :func:`refusal` lets ``actor`` take ``action`` (for filtering lists).

    Examples
    --------
    >>> from onemap.store.access import Actor, Role
    >>> viewer = Actor(username="v", role=Role.READONLY, regions=["360100"])
    >>> allows(viewer, Action.READ, "360111"), allows(viewer, Action.REVIEW, "360111")
    (True, False)
    """
    return refusal(actor, action, region, classification=classification,
                   published=published) is None


def authorize(actor: Actor, action: Action, region: str | None = None, *, what: str = "",
              classification: str = "internal", published: bool = True) -> None:
    """Raise unless ``actor`` may take ``action``; ``what`` names the object in the message.

    Public users get :class:`LoginRequired` (log in; a :class:`ScopeViolation`), others
    :class:`ScopeViolation`. Services call :meth:`Workspace.authorize`, which audits the
    refusal before raising.
    """
    why = refusal(actor, action, region, classification=classification, published=published)
    if why is None:
        return
    target = f" {what}" if what else ""
    reason = f"{actor.username} may not {action.value}{target}: {why}"
    if actor.is_public:
        raise LoginRequired(reason, user_message="请先登录 (please log in)", action=action.value)
    if action not in ROLE_ACTIONS.get(actor.role, frozenset()):
        message = f"当前角色无权{ACTION_ZH[action]} (your role may not {action.value})"
    elif region is not None and not actor.covers(region):
        message = f"无权访问该区域的数据 (outside your region scope: {region})"
    else:
        message = f"无权访问该数据 (not allowed: {why})"
    raise ScopeViolation(reason, user_message=message, action=action.value, region=region)


def layer_visible(actor: Actor, classification: str, published: bool) -> bool:
    """Tell whether ``actor`` may read some part of a layer of this classification.

    Examples
    --------
    >>> from onemap.store.access import Actor, Role
    >>> layer_visible(Actor(username="p", role=Role.PUBLIC, regions=["360000"]), "internal", True)
    False
    >>> layer_visible(Actor(username="r", role=Role.READONLY, regions=["360000"]), "internal",
    ...               False)
    False
    """
    return allows(actor, Action.READ, None, classification=classification, published=published)


def sensitive_fields(kind: str) -> list[str]:
    """Return the attribute names removed from the public version of ``kind``."""
    return [f.name for f in get_kind(kind).fields if f.sensitive]


def public_geometries(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Coarsen geometries for public users (公开版): coordinates on a ``10**-decimals`` grid.

    Polygons are snap-rounded (:func:`onemap.geometry.uniform.snap_round`), so the
    public version stays valid (no self-intersections, no repeated vertices) and is a
    MultiPolygon; parts smaller than the grid disappear. Points are rounded.

    Notes
    -----
    Coordinates are EPSG:4490 degrees; 3 decimals ≈ 100 m.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.asarray(shapely.transform(geoms, lambda xy: np.round(xy, decimals)))
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6, 7))
    if polygonal.any():
        out[polygonal] = snap_round(geoms[polygonal], 10.0 ** -decimals)
    return out


def desensitise(gdf: gpd.GeoDataFrame, kind: str, decimals: int) -> gpd.GeoDataFrame:
    """Drop sensitive attributes and coarsen coordinates (the public version, 脱敏)."""
    drop = [c for c in sensitive_fields(kind) if c in gdf.columns]
    out = gdf.drop(columns=drop) if drop else gdf.copy()
    geoms = public_geometries(out.geometry.to_numpy(), decimals)
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs))

