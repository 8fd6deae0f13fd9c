"""Administration: users, layer classification and the audit log (管理)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel

from onemap.api.deps import AppContext, current_actor
from onemap.store.access import Actor
from onemap.store.models import AuditEntry, LayerInfo
from onemap.store.policy import Action
from onemap.store.reader import parse_collection_id
from onemap.users.models import User, UserCreate

from fastapi import APIRouter, Depends, Query


class LayerAccess(BaseModel):
    """Classification (密级) and publication of a layer vintage."""

    classification: Literal["public", "internal", "secret"] | None = None
    published: bool | None = None


Current = Annotated[Actor, Depends(current_actor)]


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /admin routes (provincial admins only)."""
    router = APIRouter(prefix="/admin", tags=["admin 管理"])
    users = ctx.auth.users

    @router.get("/users", response_model=list[User])
    def list_users(actor: Current) -> list[User]:
        """List user accounts."""
        return users.list_users(actor)

    @router.post("/users", response_model=User, status_code=201)
    def add_user(body: UserCreate, actor: Current) -> User:
        """Create a user account (audited)."""
        return users.add_user(body, actor=actor)

    @router.get("/audit", response_model=list[AuditEntry])
    def audit(actor: Current, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              action: Annotated[str | None, Query(max_length=64)] = None) -> list[AuditEntry]:
        """Return the newest audit-log entries (登录、写入、导出)."""
        ctx.workspace.authorize(actor, Action.ADMINISTER, ctx.workspace.root_region,
                                what="the audit log")
        return ctx.workspace.audit_log(limit=limit, action=action)

    @router.put("/layers/{collection_id}/access", response_model=LayerInfo)
    def set_access(collection_id: str, body: LayerAccess, actor: Current) -> LayerInfo:
        """Set a layer vintage's classification and publication (audited)."""
        ctx.workspace.authorize(actor, Action.CONFIGURE, ctx.workspace.root_region,
                                what="layer access")
        kind, vintage = parse_collection_id(collection_id)
        return ctx.workspace.set_layer_access(kind, vintage, classification=body.classification,
                                              published=body.published, actor=actor.username)

    @router.delete("/layers/{collection_id}", response_model=LayerInfo)
    def remove_layer(collection_id: str, actor: Current) -> LayerInfo:
        """Remove a layer vintage and its files (administrators; audited; atomic)."""
        kind, vintage = parse_collection_id(collection_id)
        return ctx.workspace.remove_layer(actor, kind, vintage)

    return router
