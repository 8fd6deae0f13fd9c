"""Web commands: ``serve`` (uvicorn), ``users`` (accounts, tokens) and ``api get`` (in-process)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from onemap.cli.identity import UserOpt, actor_for
from onemap.cli.output import emit_json, stderr, stdout
from onemap.store.access import Role
from onemap.store.workspace import Workspace
from onemap.users.models import TOKEN_DAYS, TOKEN_MAX_DAYS

JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout")]
WsArg = Annotated[Path, typer.Argument(help="workspace folder")]


def serve(
    directory: WsArg,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    warm: Annotated[bool, typer.Option(
        help="load the site-review layers into memory in the background at start-up "
             "so the first reviews are fast")] = True,
    json_: JsonOpt = False,
) -> None:
    """Serve the web map, the JSON API and the OGC APIs (FastAPI + uvicorn)."""
    import uvicorn

    from onemap.api.app import create_app
    from onemap.api.deps import ApiSettings

    settings = ApiSettings(workspace=directory, host=host, port=port)
    app = create_app(settings)
    first = _bootstrap_admin(app.state.ctx.workspace)
    url = f"http://{host}:{port}"
    if json_:
        emit_json({"url": url, "map": f"{url}/map", "api": f"{url}/api",
                   **({"admin_password": first} if first else {})})
    else:
        stdout.print(f"onemap 一张图 服务已启动 serving {app.state.ctx.workspace.root}")
        stdout.print(f"  地图 map:      {url}/map")
        stdout.print(f"  OGC API:      {url}/")
        stdout.print(f"  OpenAPI:      {url}/api")
        if first:
            stdout.print(f"  首次启动, 已创建管理员 first start, created admin: "
                         f"用户名 user [bold]admin[/bold]  密码 password [bold]{first}[/bold]",
                         soft_wrap=True)
    sys.stdout.flush()
    if warm:
        reviews = app.state.ctx.reviews.warm_in_background()  # daemon: start-up does not wait
        from onemap.store.browse import warm_search_in_background
        from onemap.users.identity import local_operator

        ctx = app.state.ctx  # then the partitions /search reads (the first search is warm)
        warm_search_in_background(ctx.reader.scoped(local_operator(ctx.workspace)),
                                  after=reviews)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _bootstrap_admin(ws: Workspace) -> str | None:
    """Create a provincial admin with a random password when the workspace has no users."""
    import secrets

    from onemap.users.models import UserCreate
    from onemap.users.service import UserService

    users = UserService(ws)
    if users.list_users():
        return None
    password = secrets.token_urlsafe(9)
    users.add_user(UserCreate(username="admin", password=password, role=Role.ADMIN,
                              regions=[ws.config.root_region], display_name="省级管理员"))
    return password


users_app = typer.Typer(help="Users, roles, region scopes and API tokens (用户).",
                        no_args_is_help=True)


@users_app.command("add")
def users_add(
    directory: WsArg,
    username: Annotated[str, typer.Argument(help="login name")],
    password: Annotated[str, typer.Option(help="password (or env ONEMAP_PASSWORD)",
                                          envvar="ONEMAP_PASSWORD", prompt=True,
                                          hide_input=True)],
    role: Annotated[Role, typer.Option(help="role")] = Role.READONLY,
    region: Annotated[list[str] | None, typer.Option(
        help="region code(s) the user may see (province/city/county), repeatable")] = None,
    name: Annotated[str, typer.Option(help="display name")] = "",
    user: UserOpt = "",
    json_: JsonOpt = False,
) -> None:
    """Add a user account (an admin adds users of their own regions only)."""
    from onemap.users.models import UserCreate
    from onemap.users.service import UserService

    ws = Workspace.open(directory)
    added = UserService(ws).add_user(UserCreate(
        username=username, password=password, role=role, regions=region or [],
        display_name=name), actor=actor_for(ws, user))
    if json_:
        emit_json(added)
    else:
        stdout.print(f"已添加用户 added {added.username} ({added.role.value}, {added.regions})")


@users_app.command("list")
def users_list(directory: WsArg, user: UserOpt = "", json_: JsonOpt = False) -> None:
    """List the user accounts you administer."""
    from onemap.users.service import UserService

    ws = Workspace.open(directory)
    users = UserService(ws).list_users(actor_for(ws, user))
    if json_:
        emit_json(users)
        return
    table = Table(title="用户 Users")
    for col in ("username", "role", "regions", "active"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, u.role.value, ",".join(u.regions), str(u.active))
    stdout.print(table)


@users_app.command("token")
def users_token(directory: WsArg, username: Annotated[str, typer.Argument()],
                name: Annotated[str, typer.Option(help="token label")] = "cli",
                days: Annotated[int, typer.Option(
                    min=1, max=TOKEN_MAX_DAYS, help="days until the token expires")] = TOKEN_DAYS,
                user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Create an API token for a user (printed once; expires after --days)."""
    from onemap.users.service import UserService

    ws = Workspace.open(directory)
    tok = UserService(ws).create_token(username, name, days=days, actor=actor_for(ws, user))
    if json_:
        emit_json(tok)
    else:
        stdout.print(tok.token)
        stderr.print(f"有效期至 expires {tok.expires_at:%Y-%m-%d %H:%M} UTC (id {tok.id})")


@users_app.command("tokens")
def users_tokens(directory: WsArg, username: Annotated[str, typer.Argument()],
                 json_: JsonOpt = False) -> None:
    """List a user's API tokens (never their secrets)."""
    from onemap.users.service import UserService

    tokens = UserService(Workspace.open(directory)).list_tokens(username)
    if json_:
        emit_json(tokens)
        return
    table = Table(title=f"令牌 API tokens of {username}")
    for col in ("id", "name", "created (UTC)", "expires (UTC)", "active"):
        table.add_column(col)
    for t in tokens:
        table.add_row(str(t.id), t.name, f"{t.created_at:%Y-%m-%d}", f"{t.expires_at:%Y-%m-%d}",
                      "yes" if t.active else ("revoked" if t.revoked else "expired"))
    stdout.print(table)


@users_app.command("revoke-token")
def users_revoke_token(directory: WsArg,
                       token_id: Annotated[int, typer.Argument(help="token id (users tokens)")],
                       user: UserOpt = "", json_: JsonOpt = False) -> None:
    """Revoke an API token: its owner or an admin of the owner's regions may."""
    from onemap.users.service import UserService

    ws = Workspace.open(directory)
    info = UserService(ws).revoke_token(token_id, actor_for(ws, user))
    if json_:
        emit_json(info)
    else:
        stdout.print(f"已吊销令牌 revoked token {info.id} of {info.username}; a running server "
                     "stops accepting it within 30 s")


api_app = typer.Typer(help="Send requests through the in-process web app.", no_args_is_help=True)


@api_app.command("get")
def api_get(
    path: Annotated[str, typer.Argument(help="path and query, e.g. /collections")],
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="workspace folder")
                         ] = Path("."),
    user: Annotated[str, typer.Option(
        help="run as this workspace account (default: an anonymous web request)")] = "",
    json_: JsonOpt = False,
) -> None:
    """GET ``path`` through the app without a server and print the response body."""
    from onemap.api.app import create_app
    from onemap.api.deps import ApiSettings, current_actor
    from onemap.users.identity import Identity

    from fastapi.testclient import TestClient

    ws = Workspace.open(workspace)
    app = create_app(ApiSettings(workspace=ws.root), ws)
    if user:
        actor = Identity(ws).for_username(user)
        app.dependency_overrides[current_actor] = lambda: actor
    resp = TestClient(app).get(path)
    stderr.print(f"HTTP {resp.status_code} {resp.headers.get('content-type', '')}")
    kind = resp.headers.get("content-type", "")
    if "json" in kind:
        sys.stdout.write(json.dumps(resp.json(), ensure_ascii=False, indent=2 if not json_
                                    else None) + "\n")
    elif kind.startswith("text/"):
        sys.stdout.write(resp.text)
    else:
        sys.stdout.buffer.write(resp.content)
    sys.stdout.flush()
    if resp.status_code >= 400:
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``users`` and ``api`` to ``app``."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(api_app, name="api")
