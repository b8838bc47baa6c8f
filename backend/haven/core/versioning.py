"""Optimistic concurrency: versions, ETags and If-Match (no HTTP framework in here)."""

from __future__ import annotations

from haven.core.errors import PreconditionFailed, PreconditionRequired


def etag_for(version: int) -> str:
    return f'"{version}"'


def require_if_match(if_match: str | None, current_version: int) -> None:
    """428 when the header is missing, 412 when it names another version."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("Send If-Match with the ETag of the version you are changing.")
    wanted = etag_for(current_version)
    for candidate in (c.strip() for c in if_match.split(",")):
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate in ("*", wanted, str(current_version)):
            return
    raise PreconditionFailed(
        "The resource has changed since you read it; reload it and apply your change again.",
        headers={"ETag": wanted},
    )
