"""Users, tokens and sessions as typed models (用户与权限)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from onemap.store.access import Actor, Role

PASSWORD_MIN_LENGTH = 12
TOKEN_DAYS = 90  # default lifetime of an API token
TOKEN_MAX_DAYS = 3650


class UserCreate(BaseModel):
    """A new user account."""

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=256,
                          description="at least 12 characters (OWASP ASVS 2.1.1)")
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
    expires_at: datetime = Field(description="UTC time after which the token is refused")
    token: str = Field(description="Send as 'Authorization: Bearer <token>'")


class TokenRequest(BaseModel):
    """Name and lifetime of a new API token."""

    name: str = Field("", max_length=128)
    days: int = Field(TOKEN_DAYS, ge=1, le=TOKEN_MAX_DAYS,
                      description="days until the token expires (有效期, 天)")


class TokenInfo(BaseModel):
    """An API token as listed: never its secret."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked: bool
    active: bool = Field(description="neither revoked nor expired")


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
