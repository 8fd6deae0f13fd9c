"""Login, logout, who-am-I and API tokens (登录与令牌)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from onemap.api.deps import AppContext, current_actor
from onemap.store.access import Actor
from onemap.users.models import LoginRequest, Me, TokenCreated

from fastapi import APIRouter, Depends, Request, Response


class TokenRequest(BaseModel):
    """Name of a new API token."""

    name: str = Field("", max_length=128)


Current = Annotated[Actor, Depends(current_actor)]


def _me(actor: Actor) -> Me:
    return Me(username=actor.username, role=actor.role, regions=actor.regions,
              authenticated=actor.username != "anonymous")


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /auth routes."""
    router = APIRouter(prefix="/auth", tags=["auth 登录"])

    @router.post("/login", response_model=Me)
    def login(body: LoginRequest, response: Response) -> Me:
        """Check the password and start a session (cookie ``onemap_session``)."""
        user = ctx.auth.login(body.username, body.password, response)
        return _me(user.to_actor())

    @router.post("/logout", response_model=Me)
    def logout(request: Request, response: Response, actor: Current) -> Me:
        """End the session of this browser."""
        ctx.auth.logout(request, response, actor)
        return _me(ctx.auth.anonymous)

    @router.get("/me", response_model=Me)
    def me(actor: Current) -> Me:
        """Who this request runs as."""
        return _me(actor)

    @router.post("/tokens", response_model=TokenCreated, status_code=201)
    def create_token(body: TokenRequest, actor: Current) -> TokenCreated:
        """Create an API token for the logged-in user (shown once)."""
        return ctx.auth.users.create_token(actor.username, body.name, actor=actor)

    return router
