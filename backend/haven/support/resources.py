"""The crisis resources, the program's settings (response targets and options) and the
organisation's clock as the support rules read them."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date

from sqlmodel import Session

from haven.core import audit, clock
from haven.core.security import Principal
from haven.core.settings import SupportSettings, get_settings
from haven.core.versioning import require_if_match
from haven.org import service as org_service
from haven.support.models import RESOURCES_ID, SupportResources
from haven.support.schemas import (
    ResourceKind,
    ResourceRead,
    ResourcesRead,
    ResourcesUpdate,
    SupportConfigRead,
    Urgency,
)


def settings() -> SupportSettings:
    return get_settings().support


def targets() -> dict[Urgency, int]:
    """First-contact targets in minutes, per urgency."""
    s = settings()
    return {
        Urgency.urgent: s.target_urgent_minutes,
        Urgency.soon: s.target_soon_minutes,
        Urgency.routine: s.target_routine_minutes,
    }


def zone(session: Session) -> zoneinfo.ZoneInfo:
    """The organisation's time zone (on-call windows and follow-up days are written in it)."""
    name = org_service.get_organisation(session).time_zone
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_today(session: Session) -> date:
    return clock.now().astimezone(zone(session)).date()


def _resource_reads(items: Iterable[dict[str, object]]) -> list[ResourceRead]:
    return [ResourceRead.model_validate(item) for item in items]


def get_resources(session: Session) -> ResourcesRead:
    row = session.get(SupportResources, RESOURCES_ID)
    if row is None:
        return ResourcesRead(items=[], version=0)
    return ResourcesRead(items=_resource_reads(row.items), version=row.version)


def set_resources(
    session: Session, actor: Principal, *, data: ResourcesUpdate, if_match: str | None
) -> ResourcesRead:
    row = session.get(SupportResources, RESOURCES_ID)
    require_if_match(if_match, row.version if row is not None else 0)
    items = [item.model_dump(mode="json") for item in data.items]
    if row is None:
        row = SupportResources(id=RESOURCES_ID, items=items, updated_at=clock.now())
    else:
        row.items = items
        row.updated_at = clock.now()
    session.add(row)
    session.flush()
    audit.record_event(
        session,
        actor,
        action="support_resources.updated",
        object_type="support_resources",
        object_id=None,
    )
    return ResourcesRead(items=_resource_reads(row.items), version=row.version)


def crisis_resources(session: Session) -> list[ResourceRead]:
    """The resources shown with every urgent request."""
    urgent_kinds = {
        ResourceKind.crisis_line,
        ResourceKind.emergency,
        ResourceKind.employee_assistance,
    }
    return [r for r in get_resources(session).items if r.kind in urgent_kinds]


def support_config() -> SupportConfigRead:
    s = settings()
    return SupportConfigRead(
        target_minutes=targets(),
        private_notes_enabled=s.private_notes,
        follow_up_days=list(s.follow_up_days),
        retention_days=s.retention_days,
    )
