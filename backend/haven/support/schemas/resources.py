"""Crisis resources and the program's settings, on the wire."""

from __future__ import annotations

from pydantic import Field

from haven.core.schemas import RequestModel, ResponseModel
from haven.support.schemas.enums import ResourceKind, Urgency


class ResourceItem(RequestModel):
    kind: ResourceKind
    name: str = Field(min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    url: str | None = Field(default=None, max_length=300, pattern=r"^https?://\S+$")
    hours: str | None = Field(default=None, max_length=120, description="e.g. 24/7")


class ResourcesUpdate(RequestModel):
    items: list[ResourceItem] = Field(max_length=20)


class ResourceRead(ResponseModel):
    kind: ResourceKind
    name: str
    phone: str | None
    url: str | None
    hours: str | None


class ResourcesRead(ResponseModel):
    items: list[ResourceRead]
    version: int


class SupportConfigRead(ResponseModel):
    target_minutes: dict[Urgency, int] = Field(description="First-contact target per urgency.")
    private_notes_enabled: bool
    follow_up_days: list[int]
    retention_days: int
