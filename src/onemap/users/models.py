"""Users, tokens and sessions as typed models (用户与权限)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from onemap.store.access import Actor, Role


class UserCreate(BaseModel):
    """A new user account."""

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=4, max_length=256)
    role: Role = Role.READONLY
    regions: list[str] = Field(default_factory=list,
                               description="行政区划代码 (省/市/县) the user may see; empty: "
                                           "those of the admin creating the account (the "
                                           "workspace's root region from the command line)")
    display_name: str = ""

    @field_validator("regions")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if len(code) != 6 or not code.isdigit():
                raise ValueError(f"region {code!r} is not a 6-digit 行政区划代码")
        return value


class User(BaseModel):
    """A user account as listed (never with its password hash)."""

    id: int
    username: str
    display_name: str = ""
    role: Role
    regions: list[str]
    active: bool = True
    created_at: datetime

    def to_actor(self) -> Actor:
        """Return the :class:`Actor` services see for this user."""
        return Actor(username=self.username, role=self.role, regions=list(self.regions))


class TokenCreated(BaseModel):
    """A freshly created API token; the secret is shown only once."""

    id: int
    username: str
    name: str
    token: str = Field(description="Send as 'Authorization: Bearer <token>'")


class LoginRequest(BaseModel):
    """Credentials posted to ``/auth/login``."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    """Who the current request runs as."""

    username: str
    role: Role
    regions: list[str]
    authenticated: bool
