"""The organisation's own subcategories under the AHRQ categories (a report names one only
if it is active and under the report's category: see :mod:`fields`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.core import audit, clock
from haven.core.errors import Conflict, field_error
from haven.core.security import Principal
from haven.reports.models import ReportSubcategory
from haven.reports.schemas import Category, SubcategoryCreate, SubcategoryRead


def list_subcategories(session: Session) -> list[SubcategoryRead]:
    rows = session.exec(
        select(ReportSubcategory).order_by(
            col(ReportSubcategory.category), col(ReportSubcategory.name)
        )
    ).all()
    return [
        SubcategoryRead(id=r.id, category=Category(r.category), name=r.name, is_active=r.is_active)
        for r in rows
    ]


def create_subcategory(
    session: Session, principal: Principal, *, data: SubcategoryCreate
) -> SubcategoryRead:
    exists = session.exec(
        select(ReportSubcategory.id).where(
            col(ReportSubcategory.category) == data.category.value,
            sa.func.lower(col(ReportSubcategory.name)) == data.name.lower(),
        )
    ).first()
    if exists is not None:
        raise Conflict(
            "This subcategory already exists.", errors=[field_error("name", "Already exists.")]
        )
    row = ReportSubcategory(category=data.category.value, name=data.name, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record_event(
        session,
        principal,
        action="report_subcategory.created",
        object_type="report_subcategory",
        object_id=row.id,
    )
    return SubcategoryRead(id=row.id, category=data.category, name=row.name, is_active=True)
