"""What every domain's router imports from the request plumbing, and ETag / If-Match helpers.

The plumbing itself lives by concern, one hop away:

* :mod:`haven.core.route` — :class:`HavenRoute`: one transaction per request, done in one
  hop to the worker threads (fenced: it mirrors FastAPI's own rendering, for one version);
* :mod:`haven.core.context` — :class:`~haven.core.context.RequestContext`, what a request
  carries between its route, its dependencies and its transaction, and :data:`SessionDep`;
* :mod:`haven.core.idempotency` — the Idempotency-Key header, its check and stored responses;
* :mod:`haven.core.middleware` — request id, body-size limit, security headers, the access
  log, and the :class:`QuietRoutes` each domain declares;
* :func:`haven.core.errors.database_error` — which database failures become problems.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from haven.core.context import SessionDep as SessionDep
from haven.core.middleware import QuietRoutes as QuietRoutes
from haven.core.route import HavenRoute as HavenRoute
from haven.core.versioning import etag_for

API_PREFIX = "/api/v1"


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the version being changed, e.g. "3". Required.',
        max_length=64,
    ),
]
