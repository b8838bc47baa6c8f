"""The request context: what one API request carries between its route, its dependencies and
its transaction, in one typed place.

:class:`haven.core.route.HavenRoute` opens a :class:`RequestContext` before any dependency
runs and finishes its unit of work; :data:`SessionDep` hands routes and dependencies the
unit of work's session; the Idempotency-Key dependency (:mod:`haven.core.idempotency`)
leaves its deferred check and the response to remember here, and the route runs them in
the same transaction as the endpoint. Nothing else is kept on ``request.state``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlmodel import Session

from haven.core.db import UnitOfWork

if TYPE_CHECKING:
    from haven.core.idempotency import PendingKey

_STATE_NAME = "haven_context"


class ReplayResponse(Exception):
    """Raised by a dependency to answer with a response decided before the endpoint runs
    (the stored first response of an Idempotency-Key): the route rolls back and sends it."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


@dataclass
class RequestContext:
    """One API request's route and transaction, and what the Idempotency-Key check left."""

    route: APIRoute
    unit: UnitOfWork
    # Whether the route runs its endpoint in one hop to the worker threads (see HavenRoute):
    # then a check that needs the database waits for that hop instead of taking its own.
    one_hop: bool
    # Whether the caller's session still stands (haven.auth's check of a person whose
    # principal was cached), deferred to the endpoint's hop; runs before anything else there.
    principal_check: Callable[[Session], None] | None = None
    # The Idempotency-Key look-up, deferred to the endpoint's hop (may raise ReplayResponse).
    idempotency_check: Callable[[Session], None] | None = None
    # The key whose first response is stored in the request's own transaction.
    idempotency: PendingKey | None = None

    @classmethod
    def open(cls, request: Request, route: APIRoute, *, one_hop: bool) -> RequestContext:
        context = cls(route=route, unit=UnitOfWork(request.app.state.engine), one_hop=one_hop)
        setattr(request.state, _STATE_NAME, context)
        return context

    @staticmethod
    def of(request: Request) -> RequestContext:
        """The context of a request served by a :class:`~haven.core.route.HavenRoute`."""
        context: RequestContext = getattr(request.state, _STATE_NAME)
        return context

    @staticmethod
    def find(request: Request) -> RequestContext | None:
        """The request's context, or ``None`` outside a :class:`~haven.core.route.HavenRoute`."""
        context = getattr(request.state, _STATE_NAME, None)
        return context if isinstance(context, RequestContext) else None

    def run_deferred_check(self) -> None:
        if self.principal_check is not None:
            self.principal_check(self.unit.session)
        if self.idempotency_check is not None:
            self.idempotency_check(self.unit.session)

    def commit(self, response: Response) -> None:
        """Commit the request's work, storing a successful response for its Idempotency-Key
        first, in the same transaction (so a stored response exists exactly when its change
        was committed)."""
        store = None
        if self.idempotency is not None and 200 <= response.status_code < 300:
            store = functools.partial(self.idempotency.store, response=response)
        self.unit.finish(commit=True, before_commit=store)


async def _session(request: Request) -> Session:
    return RequestContext.of(request).unit.session


SessionDep = Annotated[Session, Depends(_session)]
