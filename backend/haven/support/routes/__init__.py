"""The support domain's routes, one module a resource, all declared on one router.

    resources    the crisis resources (public) and the program's settings
    roster       the supporter roster and each supporter's own availability
    requests     asking, the three viewers' lists and reads, status moves, assignment,
                 escalation, candidates
    encounters   encounters and follow-ups
    feedback     anonymous feedback, and the coordinator's figures
    outreach     outreach tasks from event reviews
    deps         who may call each route (the role aliases)

One :data:`router` rather than one per module: the app includes each domain's router and
matches its routes in one level (nested routers cost matching time on every request, see
``haven.api``). Each module registers its routes on it when imported; ``haven.support.router``
imports them in the order the routes are matched and listed in the OpenAPI document.
"""

from __future__ import annotations

from fastapi import APIRouter

from haven.core.http import HavenRoute

router = APIRouter(prefix="/support", tags=["support"], route_class=HavenRoute)
