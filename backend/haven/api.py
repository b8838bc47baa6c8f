"""The /api/v1 API: each domain's router, plus health and readiness."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from haven.audit.router import router as audit_router
from haven.auth.deps import Public
from haven.auth.router import api_keys_router
from haven.auth.router import router as auth_router
from haven.auth.routes.account import router as account_router
from haven.auth.routes.oidc import router as sso_router
from haven.auth.routes.sign_in import router as sign_in_router
from haven.checkins.router import quiet as checkins_quiet
from haven.checkins.router import router as checkins_router
from haven.core.db import ping
from haven.core.errors import ServiceUnavailable, problem_responses
from haven.core.http import API_PREFIX, HavenRoute, QuietRoutes
from haven.core.schemas import ResponseModel
from haven.debriefs.router import router as debriefs_router
from haven.insights.router import router as insights_router
from haven.notifications import service as notifications_service
from haven.notifications.router import router as notifications_router
from haven.org.router import router as org_router
from haven.org.routes.people_import import router as people_import_router
from haven.org.routes.scim import router as scim_router
from haven.reports.router import anonymous_router
from haven.reports.router import quiet as reports_quiet
from haven.reports.router import router as reports_router
from haven.support.router import quiet as support_quiet
from haven.support.router import router as support_router


class Health(ResponseModel):
    status: str


health_router = APIRouter(tags=["health"], route_class=HavenRoute)


@health_router.get("/health", response_model=Health, dependencies=[Public])
async def health() -> Health:
    """The process is up (it does not look at the database)."""
    return Health(status="ok")


@health_router.get(
    "/ready", response_model=Health, dependencies=[Public], responses=problem_responses(503)
)
async def ready(request: Request) -> Health:
    """The database answers; otherwise 503 with Retry-After, so a load balancer waits."""
    try:
        await run_in_threadpool(ping, request.app.state.engine)
    except Exception as exc:
        raise ServiceUnavailable(
            "The database is not reachable.", headers={"Retry-After": "5"}
        ) from exc
    return Health(status="ready")


# Each domain's router is included into the app directly (one level of matching, not two:
# nested routers cost about a millisecond per request here).
ROUTERS: list[APIRouter] = [
    health_router,
    auth_router,
    sign_in_router,
    account_router,
    sso_router,
    reports_router,
    anonymous_router,
    org_router,
    people_import_router,
    scim_router,
    api_keys_router,
    audit_router,
    notifications_router,
    checkins_router,
    insights_router,
    debriefs_router,
    support_router,
]


# The routes each domain declares quiet (no access-log line, no request id stored): handed to
# the request middleware when the app is assembled (haven.main), so core names no domain.
QUIET: list[QuietRoutes] = [reports_quiet, checkins_quiet, support_quiet]


def include_api(app: FastAPI) -> None:
    # The auth domain emails reset links through the notifications outbox, a domain above it.
    app.state.queue_email = notifications_service.queue_email
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
