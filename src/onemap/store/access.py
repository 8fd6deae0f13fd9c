"""Who is acting: the :class:`Actor` (user, role, region scope 区域权限) every service receives.

Actors are resolved in one place, :mod:`onemap.users.identity` (HTTP credentials, the
CLI's ``--user``, the local operator); what an actor may do is decided in one place,
:mod:`onemap.store.policy`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from onemap.errors import ScopeViolation
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

    def require(self, code: str, what: str = "this object") -> None:
        """Raise :class:`ScopeViolation` when ``code`` is outside the actor's scope."""
        if not self.covers(code):
            raise ScopeViolation(f"{self.username} may not access {what} in region {code}",
                                 user_message="无权访问该区域的数据 (outside your region scope)")

    def require_internal(self, what: str) -> None:
        """Refuse public (anonymous) users: enforcement data is internal (不对公众开放)."""
        if self.is_public:
            raise ScopeViolation(f"{self.username} ({self.role}) may not see {what}",
                                 user_message="执法监管数据不对公众开放，请登录")

    @property
    def is_public(self) -> bool:
        """True for anonymous/public users, who see desensitised data only."""
        return self.role == Role.PUBLIC

    @property
    def can_write(self) -> bool:
        """True for roles allowed to change data."""
        return self.role in (Role.ADMIN, Role.ANALYST, Role.INSPECTOR)

