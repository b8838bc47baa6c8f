"""Base classes for request and response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Request bodies: unknown fields are refused, so clients cannot set server-owned fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """Response bodies list their fields explicitly: an allowlist keeps confidential fields out."""

    model_config = ConfigDict(from_attributes=True)
