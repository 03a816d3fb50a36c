"""Request bodies of the REST API (responses are STIX JSON or small documents)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SharingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tlp: str = Field(
        description="TLP 2.0 level: clear, green, amber, amber+strict, red", examples=["amber"]
    )
    release_to: list[str] = Field(
        default_factory=list, description="Identity ids of the receiving organizations"
    )
    disclose_recipients: bool = Field(
        default=False,
        description="Let the recipients see who else receives the record; by default each "
        "learns only that it does (a sealed release set)",
    )


class ObjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object: dict[str, Any] = Field(description="A STIX 2.1 object without server-owned properties")
    sharing: SharingIn


class ObjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, Any] = Field(description="Properties to set; null removes one")
    sharing: SharingIn | None = None


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str
    role: str = "analyst"
    display_name: str = ""
    language: str = "en"


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    password: str | None = None
    active: bool | None = None
    language: str | None = None
    display_name: str | None = None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    username: str | None = Field(default=None, description="Admins may create tokens for others")
    scope: Literal["read", "write"] = Field(
        default="write", description="read: GET only (dashboards, sync readers); write: the role's"
    )


class OrgIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identity_id: str
    name: str
    country: str | None = None
    kind: str = "member"
    public_key: str | None = None
