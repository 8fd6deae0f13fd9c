"""Login, logout, who-am-I and API tokens (登录与令牌)."""

from __future__ import annotations

from typing import Annotated

from onemap.api.deps import AppContext, current_actor
from onemap.store.access import Actor
from onemap.users.models import LoginRequest, Me, TokenCreated, TokenInfo, TokenRequest

from fastapi import APIRouter, Depends, Path, Request, Response

Current = Annotated[Actor, Depends(current_actor)]
TokenId = Annotated[int, Path(ge=1, le=2**62, description="id of the API token")]


def _me(actor: Actor) -> Me:
    return Me(username=actor.username, role=actor.role, regions=actor.regions,
              authenticated=actor.origin != "anonymous")


def build_router(ctx: AppContext) -> APIRouter:
    """Return the /auth routes."""
    router = APIRouter(prefix="/auth", tags=["auth 登录"])

    @router.post("/login", response_model=Me)
    def login(body: LoginRequest, request: Request, response: Response) -> Me:
        """Check the password and start a session.

        Sets ``onemap_session`` (HttpOnly) and ``onemap_csrf``, which the page echoes
        in ``X-CSRF-Token`` on every POST/PUT/PATCH/DELETE. Repeated failures are
        answered 429 with ``Retry-After``.
        """
        user = ctx.auth.login(body.username, body.password, request, response)
        return _me(user.to_actor())

    @router.post("/logout", response_model=Me)
    def logout(request: Request, response: Response, actor: Current) -> Me:
        """End the session of this browser."""
        ctx.auth.logout(request, response, actor)
        return _me(ctx.auth.identity.anonymous())

    @router.get("/me", response_model=Me)
    def me(actor: Current) -> Me:
        """Who this request runs as."""
        return _me(actor)

    @router.post("/tokens", response_model=TokenCreated, status_code=201)
    def create_token(body: TokenRequest, actor: Current) -> TokenCreated:
        """Create an API token for the logged-in user (shown once; 90 days by default)."""
        return ctx.auth.users.create_token(actor.username, body.name, days=body.days,
                                           actor=actor)

    @router.get("/tokens", response_model=list[TokenInfo])
    def list_tokens(actor: Current) -> list[TokenInfo]:
        """List the caller's API tokens, newest first (never their secrets)."""
        return ctx.auth.users.tokens_of(actor)

    @router.delete("/tokens/{token_id}", response_model=TokenInfo)
    def revoke_token(token_id: TokenId, actor: Current) -> TokenInfo:
        """Revoke an API token: its owner, or an admin of the owner's regions."""
        info = ctx.auth.users.revoke_token(token_id, actor)
        ctx.auth.forget_tokens()
        return info

    return router
