"""Insights endpoints: weekly figures, control charts, hotspots (JSON, or CSV on request)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from haven.auth.deps import STAFF, Allow, Idempotent
from haven.auth.schemas import Role
from haven.core.csvexport import CSV_MEDIA_TYPE, render_csv
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, SessionDep
from haven.core.security import Principal
from haven.insights import export, service
from haven.insights.schemas import (
    DepartmentInsights,
    Hotspots,
    Metric,
    Signals,
    SupportersAlerted,
)

router = APIRouter(prefix="/insights", tags=["insights"], route_class=HavenRoute)

Viewer = Annotated[Principal, Allow(*STAFF, Role.admin)]
HotspotViewer = Annotated[
    Principal,
    Allow(Role.safety_officer, Role.support_coordinator, Role.admin, Role.department_lead),
]
Coordinator = Annotated[Principal, Allow(Role.support_coordinator)]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(alias="format", description="csv: the same figures as CSV (or send Accept: text/csv)."),
]
_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}
}


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return CSV_MEDIA_TYPE in request.headers.get("accept", "").lower()


def _csv(table: export.Table, name: str) -> Response:
    header, rows = table
    return Response(
        content=render_csv(header, rows),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/departments",
    response_model=DepartmentInsights,
    responses={**_CSV_RESPONSE, **problem_responses(404, 422)},
    summary="Figures per department and week, small cells suppressed",
    description="Released weeks only (Monday to Sunday): a week is released once its "
    "check-in period and a grace time are over, and never changes afterwards. Safety "
    "officers, support coordinators and admins see every department, department leads "
    "their own, other staff the organisation-wide row only. Default: the last 13 released "
    "weeks; at most 53.",
)
def department_insights(
    request: Request,
    session: SessionDep,
    principal: Viewer,
    start: date | None = None,
    end: date | None = None,
    department_id: uuid.UUID | None = None,
    fmt: Format = None,
) -> DepartmentInsights | Response:
    result = service.department_insights(
        session, principal, start=start, end=end, department_id=department_id
    )
    if _wants_csv(request, fmt):
        return _csv(export.departments_table(result), export.filename("departments", result.weeks))
    return result


@router.get(
    "/signals",
    response_model=Signals,
    responses={**_CSV_RESPONSE, **problem_responses(404, 422)},
    summary="Control charts per department and metric, with special causes",
)
def control_charts(
    request: Request,
    session: SessionDep,
    principal: Viewer,
    end: date | None = None,
    weeks: Annotated[
        int | None, Query(ge=8, le=104, description="Weeks shown, baseline included.")
    ] = None,
    department_id: uuid.UUID | None = None,
    metric: Metric | None = None,
    fmt: Format = None,
) -> Signals | Response:
    result = service.control_charts(
        session, principal, end=end, weeks=weeks, department_id=department_id, metric=metric
    )
    if _wants_csv(request, fmt):
        return _csv(
            export.signals_table(result),
            export.filename("signals", [result.first_week, result.last_week]),
        )
    return result


@router.get(
    "/hotspots",
    response_model=Hotspots,
    responses={**_CSV_RESPONSE, **problem_responses(403, 422)},
    summary="Departments with a current signal of strain, worst first",
)
def list_hotspots(
    request: Request,
    session: SessionDep,
    principal: HotspotViewer,
    end: date | None = None,
    fmt: Format = None,
) -> Hotspots | Response:
    result = service.hotspots(session, principal, end=end)
    if _wants_csv(request, fmt):
        return _csv(export.hotspots_table(result), export.filename("hotspots", [result.last_week]))
    return result


@router.post(
    "/hotspots/{department_id}/alert-supporters",
    response_model=SupportersAlerted,
    dependencies=[Idempotent],
    responses=problem_responses(404),
    summary="Ask the active peer supporters to be available for a department",
)
def alert_supporters(
    department_id: uuid.UUID, session: SessionDep, principal: Coordinator
) -> SupportersAlerted:
    return service.alert_supporters(session, principal, department_id=department_id)
