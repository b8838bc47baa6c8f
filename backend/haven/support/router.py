"""Peer-support endpoints under /api/v1/support: resources, roster, requests, encounters,
follow-ups, feedback, outreach and program figures.

The routes are declared one module a resource in :mod:`haven.support.routes`, on its one
router, which this module hands to ``haven.api``; importing those modules registers their
routes, in the order imported below: the order in which routes are matched and listed in the
OpenAPI document. The quiet routes of the domain are declared here.
"""

from __future__ import annotations

from haven.core.http import QuietRoutes

# isort: off
from haven.support.routes import router as router
from haven.support.routes import resources as resources
from haven.support.routes import roster as roster
from haven.support.routes import requests as requests
from haven.support.routes import encounters as encounters
from haven.support.routes import feedback as feedback
from haven.support.routes import outreach as outreach

# isort: on

# Quiet, all of it (no access-log line, no request id stored; see haven.core.http.QuietRoutes):
# a timed line for a request, an encounter, a follow-up or feedback would say who uses
# support and when, and the roster's and board's lines who runs it. The public crisis
# resources too: who looks them up, and when, is nobody's business. Likewise the web
# client's support pages and its crisis page.
quiet = QuietRoutes(api=("/support",), pages=("/support", "/help"))
