"""Dependencies: who is calling, and the one way a route says who may call it.

Every route declares an access rule: ``Allow(roles..., scopes=...)`` for signed-in people
and service accounts, or ``Public`` for the few open endpoints. A test walks every route
and fails when one declares neither. The principal is resolved once per request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from haven.auth import service
from haven.auth.schemas import Role, Scope
from haven.core import idempotency
from haven.core.context import RequestContext, SessionDep
from haven.core.errors import Forbidden, Unauthorized
from haven.core.security import Principal

_bearer = HTTPBearer(auto_error=False, description="An access token or an API key.")


async def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # Verifying the token and finding a person seen seconds ago is CPU only, done here on
    # the event loop; only a database read (an API key, a person not cached) goes to the
    # worker threads, as every blocking call must. A cached person's session is checked in
    # the database all the same (it may have been ended in another process a moment ago):
    # in the endpoint's own hop when the route takes one, before the endpoint runs and
    # before anything the request did is committed.
    if credentials is None or not credentials.credentials:
        raise Unauthorized("Sign in, or send an API key as a Bearer token.")
    token = credentials.credentials
    known = service.principal_without_database(token)
    if isinstance(known, Principal):
        return known
    if known is not None and known.cached is not None:
        context = RequestContext.find(request)
        if context is not None and context.one_hop:
            context.principal_check = functools.partial(_check_session, person=known)
            return known.cached
    return await run_in_threadpool(service.principal_from_database, session, token, known)


def _check_session(session: Session, *, person: service.PersonToken) -> None:
    service.require_current_session(session, person)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True)
class AccessRule:
    roles: frozenset[Role]
    scopes: frozenset[Scope]
    public: bool = False
    report_session: bool = False

    def allows(self, principal: Principal) -> bool:
        if principal.kind == "user":
            return bool(principal.roles.intersection(r.value for r in self.roles))
        if principal.kind == "api_key":
            return bool(principal.scopes.intersection(s.value for s in self.scopes))
        if principal.kind == "report_session":
            return self.report_session
        return False


ACCESS_ATTRIBUTE = "__haven_access__"


def Allow(  # noqa: N802 - reads as a rule
    *roles: Role, scopes: Iterable[Scope] = (), report_session: bool = False
) -> Any:
    """Depends(...) that lets the named roles through, and API keys with one of the scopes,
    and (when ``report_session``) the holder of an anonymous report's receipt session."""
    rule = AccessRule(
        roles=frozenset(roles), scopes=frozenset(scopes), report_session=report_session
    )

    # async: a pure check, so it costs no trip to the worker thread pool.
    async def check(principal: CurrentPrincipal) -> Principal:
        if not rule.allows(principal):
            raise Forbidden("Your role does not allow this.")
        return principal

    setattr(check, ACCESS_ATTRIBUTE, rule)
    return Depends(check)


def _public() -> None:
    return None


setattr(_public, ACCESS_ATTRIBUTE, AccessRule(roles=frozenset(), scopes=frozenset(), public=True))
Public = Depends(_public)
"""Marks a route open to anyone (health, sign-in, anonymous reporting...)."""


def public_rule(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a custom dependency (e.g. an anonymous-report session) as the route's access rule."""
    setattr(fn, ACCESS_ATTRIBUTE, AccessRule(roles=frozenset(), scopes=frozenset(), public=True))
    return fn


EVERYONE: tuple[Role, ...] = tuple(Role)
# Members of staff: everyone who may report, ask for support and answer check-ins. Admins
# and auditors hold accounts for their function; they report as staff only if also given it.
STAFF: tuple[Role, ...] = (
    Role.staff,
    Role.peer_supporter,
    Role.support_coordinator,
    Role.safety_officer,
    Role.department_lead,
)


def _access_rules(dependant: Dependant) -> Iterator[AccessRule]:
    if dependant.call is not None and hasattr(dependant.call, ACCESS_ATTRIBUTE):
        yield getattr(dependant.call, ACCESS_ATTRIBUTE)
    for sub in dependant.dependencies:
        yield from _access_rules(sub)


def _check_route_access(request: Request, principal: Principal) -> None:
    # Route-level dependencies run before the endpoint's parameters, so the route's own
    # ``Allow`` has not been checked yet: check it here, or a stored response would be
    # replayed to a caller the route refuses (an admin since demoted, say).
    dependant = RequestContext.of(request).route.dependant
    rules = [rule for rule in _access_rules(dependant) if not rule.public]
    if not all(rule.allows(principal) for rule in rules):
        raise Forbidden("Your role does not allow this.")


async def _idempotency(
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: idempotency.IdempotencyKey = None,
) -> None:
    if idempotency_key is None:
        return
    _check_route_access(request, principal)
    await idempotency.begin(request, principal_key=principal.idempotency_scope, key=idempotency_key)


Idempotent = Depends(_idempotency)
"""Add to ``dependencies=[...]`` of a POST that creates something."""
