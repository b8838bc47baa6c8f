"""Audit log endpoints: list the rows, verify the chain and its anchors (auditors only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from haven.audit.schemas import AuditEventRead, AuditVerification
from haven.auth.deps import Allow
from haven.auth.schemas import Role
from haven.core import audit
from haven.core.http import HavenRoute, SessionDep
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal

router = APIRouter(route_class=HavenRoute)

Auditor = Annotated[Principal, Allow(Role.auditor)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("/audit", response_model=Page[AuditEventRead], tags=["audit"])
def list_audit_events(
    session: SessionDep,
    _: Auditor,
    paging: Paging,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditEventRead]:
    rows, cursor = audit.list_events(
        session,
        params=paging,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        action=action,
    )
    return Page(items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/audit/verify", response_model=AuditVerification, tags=["audit"])
def verify_audit_chain(session: SessionDep, _: Auditor) -> AuditVerification:
    report = audit.verify_audit_log(session)
    anchors = report.anchors
    return AuditVerification(
        ok=report.ok,
        checked=report.chain.checked,
        first_broken_seq=report.first_broken_seq,
        reason=report.reason,
        chain_ok=report.chain.ok,
        anchors_ok=anchors.ok,
        anchors_checked=anchors.checked,
        last_anchor_seq=anchors.last_seq,
        last_anchor_at=anchors.last_at,
        unanchored_rows=anchors.unanchored_rows,
        anchor_reason=anchors.reason,
    )
