"""create_app(): middleware, error handlers, the API, and the built web client at /."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine

from haven.api import QUIET, include_api
from haven.auth import service as auth_service
from haven.checkins import service as checkins_service
from haven.core.db import create_db_engine
from haven.core.errors import install_error_handlers
from haven.core.http import API_PREFIX
from haven.core.limits import ClientLimits
from haven.core.middleware import QuietRoutes, RequestMiddleware
from haven.core.settings import Settings, get_settings

# FastAPI's built-in OpenTelemetry instrumentation costs several per cent per request and
# records validation failures with their inputs: off unless an exporter is configured.
TELEMETRY_OFF: Any = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


# The web client's built files are quiet: they are the same for everyone, so a line for each
# says only when someone opened a page, and a lazily loaded page's file (a support page's,
# say) which page it was.
WEB_CLIENT_FILES = QuietRoutes(pages=("/assets",))


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start-up, move what the process has built so far (modules, models, routes, the
    engine) out of the garbage collector's reach: it lives as long as the process, and
    otherwise every full collection walks it again, ~100 ms in the middle of some request
    on a large response (gc.freeze; requests' own objects are collected as usual).

    At a graceful shutdown, check-in answers waiting in this process's memory are written
    where they can be (pools of k or more, and ended periods); the rest are lost with the
    process, as haven.checkins documents."""
    gc.collect()
    gc.freeze()
    yield
    checkins_service.write_ended_periods(app.state.engine)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_safe_to_serve()
    auth_service.check_sign_in_settings(settings)
    auth_service.check_directory_settings(settings)
    app = FastAPI(
        title="Haven API",
        version="1.0.0",
        summary="Report without fear, learn from systems, nobody goes through it alone.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        telemetry=TELEMETRY_OFF,
        lifespan=_lifespan,
    )
    app.state.engine = engine or create_db_engine(settings)
    # Per-client limits, in this process's memory only (see haven.core.limits).
    app.state.client_limits = ClientLimits(settings.limits)
    install_error_handlers(app)
    include_api(app)
    web_dir = settings.web_dir
    if (web_dir / "index.html").is_file():
        # Low priority: API routes match first; browsers navigating to a client-side route
        # get index.html, API clients asking for JSON get a 404 problem.
        app.frontend("/", directory=web_dir, fallback="index.html")
    app.add_middleware(
        RequestMiddleware,
        api_prefix=API_PREFIX,
        max_body_bytes=settings.max_body_bytes,
        quiet=[*QUIET, WEB_CLIENT_FILES],
        log_client_address=settings.access_log_client_address,
    )
    return app
