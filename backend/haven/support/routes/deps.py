"""Who may call each support route: the role aliases the routes declare, and the
dependencies they take from ``haven.auth.deps`` (the one HTTP face of the auth domain, which
only a domain's ``router`` and ``deps`` modules may import).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from haven.auth.deps import EVERYONE, STAFF, Allow
from haven.auth.deps import Idempotent as Idempotent
from haven.auth.deps import Public as Public
from haven.auth.schemas import Role
from haven.core.errors import problem_responses
from haven.core.pagination import PageParams, page_params
from haven.core.security import Principal

Paging = Annotated[PageParams, Depends(page_params)]
Person = Annotated[Principal, Allow(*STAFF)]
SignedIn = Annotated[Principal, Allow(*EVERYONE)]
Supporter = Annotated[Principal, Allow(Role.peer_supporter)]
Coordinator = Annotated[Principal, Allow(Role.support_coordinator)]
SupporterOrCoordinator = Annotated[Principal, Allow(Role.peer_supporter, Role.support_coordinator)]
Admin = Annotated[Principal, Allow(Role.admin)]

WALL = problem_responses(401, 403, 404)
