"""Who is acting: the :class:`Actor` (user, role, region scope 区域权限) every service receives.

Actors are resolved in one place, :mod:`onemap.users.identity` (HTTP credentials, the
CLI's ``--user``, the local operator); what an actor may do is decided in one place,
:mod:`onemap.store.policy`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from onemap.standards.regions import region_prefix


class Role(StrEnum):
    """User roles (角色)."""

    ADMIN = "provincial_admin"  # 省级管理员
    ANALYST = "analyst"  # 市县分析员
    INSPECTOR = "inspector"  # 执法核查员
    READONLY = "readonly"  # 只读
    PUBLIC = "public"  # 公众


class Actor(BaseModel):
    """The user on whose behalf a service call runs."""

    username: str
    role: Role = Role.READONLY
    regions: list[str] = Field(default_factory=list,
                               description="行政区划代码 (省/市/县) the user may see; none: "
                                           "no region at all")
    origin: Literal["user", "local", "anonymous"] = Field(
        "user", description="a workspace account, the local operator (CLI without --user) "
                            "or an anonymous web request")

    def covers(self, code: str) -> bool:
        """Tell whether an admin code (county, township or longer) lies in this actor's scope."""
        return any(str(code).startswith(region_prefix(r)) for r in self.regions)

    @property
    def is_public(self) -> bool:
        """True for anonymous/public users, who see desensitised data only."""
        return self.role == Role.PUBLIC
