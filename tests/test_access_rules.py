"""Every route declares who may call it; only an explicit list is public."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from haven.auth.deps import ACCESS_ATTRIBUTE, AccessRule
from haven.core.http import HavenRoute

# Open to anyone, by design: probes, sign-in, and (later) anonymous reporting and the
# crisis resources. Adding to this list is a product decision, not a convenience.
PUBLIC_ROUTES = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/ready"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    # Single sign-on: the sign-in page asks which methods are on; the browser is sent to the
    # identity provider and back before anyone is signed in.
    ("GET", "/api/v1/auth/methods"),
    ("GET", "/api/v1/auth/oidc/start"),
    ("GET", "/api/v1/auth/oidc/callback"),
    # The steps after a right password (a challenge stands for it) and a reset link's token.
    ("POST", "/api/v1/auth/sign-in/totp"),
    ("POST", "/api/v1/auth/sign-in/totp-enrolment"),
    ("POST", "/api/v1/auth/sign-in/totp-enrolment/confirm"),
    ("POST", "/api/v1/auth/password-reset"),
    # The anonymous form's data (departments, subcategories), behind the same gate as the
    # submission: the anonymous page must not fetch them with a signed-in request.
    ("GET", "/api/v1/anonymous/form"),
    ("POST", "/api/v1/anonymous/reports"),
    ("POST", "/api/v1/anonymous/session"),
    # Crisis lines must reach someone who cannot or will not sign in (DESIGN.md).
    ("GET", "/api/v1/support/resources"),
}
# FastAPI's own documentation routes (not APIRoutes, no data behind them).
FRAMEWORK_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/oauth2-redirect"}


def _rules(dependant: Dependant) -> list[AccessRule]:
    found = []
    call = dependant.call
    if call is not None and hasattr(call, ACCESS_ATTRIBUTE):
        found.append(getattr(call, ACCESS_ATTRIBUTE))
    for sub in dependant.dependencies:
        found.extend(_rules(sub))
    return found


def api_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    routes = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute):
            assert ctx.path in FRAMEWORK_ROUTES or not str(ctx.path).startswith("/api"), ctx.path
            continue
        for method in sorted(route.methods or ()):
            routes.append((method, str(ctx.path), route))
    return routes


def test_every_route_declares_an_access_rule(app: FastAPI) -> None:
    missing = [(m, p) for m, p, route in api_routes(app) if not _rules(route.dependant)]
    assert missing == []


def test_only_the_listed_routes_are_public(app: FastAPI) -> None:
    public = {
        (m, p) for m, p, route in api_routes(app) if any(r.public for r in _rules(route.dependant))
    }
    assert public == PUBLIC_ROUTES


def test_no_route_mixes_public_and_restricted_rules(app: FastAPI) -> None:
    for method, path, route in api_routes(app):
        rules = _rules(route.dependant)
        assert not (any(r.public for r in rules) and any(not r.public for r in rules)), (
            method,
            path,
        )


def test_every_route_runs_in_one_transaction(app: FastAPI) -> None:
    assert all(isinstance(route, HavenRoute) for _, _, route in api_routes(app))
