"""SCIM 2.0 endpoints under ``/api/v1/scim/v2`` (the decisions are in :mod:`haven.org.scim`).

Every route answers ``application/scim+json``, its errors too (:class:`ScimRoute`), and
every path under the prefix is a SCIM path: an unknown one is a SCIM 404, a known one with
another method a SCIM 405. Only API keys with the ``scim`` scope may call any of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from haven.auth.deps import Allow
from haven.auth.schemas import Scope
from haven.core.errors import PROBLEM_MEDIA_TYPE, AppError
from haven.core.http import API_PREFIX, HavenRoute, SessionDep
from haven.core.security import Principal
from haven.org.scim import discovery, groups, users
from haven.org.scim.protocol import (
    SCIM_MEDIA_TYPE,
    ListParams,
    ScimAnswer,
    ScimError,
    as_scim_error,
    error_body,
    list_params,
)

PREFIX = "/scim/v2"


def _error_response(error: ScimError) -> Response:
    return Response(
        json.dumps(error_body(error.status, error.detail, error.scim_type)),
        status_code=error.status,
        media_type=SCIM_MEDIA_TYPE,
        headers=error.headers,
    )


class ScimRoute(HavenRoute):
    """A HavenRoute (one transaction, one hop) whose every error is a SCIM error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except AppError as exc:
                return _error_response(as_scim_error(exc))
            except RequestValidationError as exc:
                syntax = any(e.get("type") == "json_invalid" for e in exc.errors())
                where = "body" if syntax else "request"
                return _error_response(
                    ScimError(
                        400,
                        f"The {where} is not valid for this operation.",
                        scim_type="invalidSyntax" if syntax else "invalidValue",
                    )
                )
            except StarletteHTTPException as exc:
                return _error_response(
                    ScimError(exc.status_code, str(exc.detail), headers=exc.headers)
                )
            if response.status_code >= 500 and response.media_type == PROBLEM_MEDIA_TYPE:
                detail = json.loads(bytes(response.body)).get("detail")
                return _error_response(ScimError(response.status_code, str(detail)))
            return response

        return scim_handler


router = APIRouter(prefix=PREFIX, tags=["scim"], route_class=ScimRoute, include_in_schema=False)

Scim = Annotated[Principal, Allow(scopes=[Scope.scim])]
Payload = Annotated[Any, Body()]
Filter = Annotated[str | None, Query(alias="filter", max_length=2000)]
StartIndex = Annotated[str | None, Query(alias="startIndex", max_length=12)]
Count = Annotated[str | None, Query(alias="count", max_length=12)]
Attributes = Annotated[str | None, Query(alias="attributes", max_length=2000)]
Excluded = Annotated[str | None, Query(alias="excludedAttributes", max_length=2000)]


async def _list_query(
    filter: Filter = None,
    start_index: StartIndex = None,
    count: Count = None,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> ListParams:
    """A list's query (RFC 7644 §3.4.2), the same for Users and Groups (pure CPU: no hop)."""
    return list_params(
        start_index=start_index,
        count=count,
        filter=filter,
        attributes=attributes,
        excluded_attributes=excluded_attributes,
    )


ListQuery = Annotated[ListParams, Depends(_list_query)]


def _base(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}{API_PREFIX}{PREFIX}"


def _render(answer: ScimAnswer) -> Response:
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return Response(
        json.dumps(answer.body),
        status_code=answer.status,
        media_type=SCIM_MEDIA_TYPE,
        headers=answer.headers,
    )


# --- discovery -------------------------------------------------------------------------------


@router.get("/ServiceProviderConfig")
def service_provider_config(request: Request, _: Scim) -> Response:
    return _render(discovery.service_provider_config(base=_base(request)))


@router.get("/ResourceTypes")
def list_resource_types(request: Request, _: Scim) -> Response:
    return _render(discovery.resource_types(base=_base(request)))


@router.get("/ResourceTypes/{type_id}")
def read_resource_type(type_id: str, request: Request, _: Scim) -> Response:
    return _render(discovery.resource_type(type_id=type_id, base=_base(request)))


@router.get("/Schemas")
def list_schemas(request: Request, _: Scim) -> Response:
    return _render(discovery.schemas(base=_base(request)))


@router.get("/Schemas/{schema_id}")
def read_schema(schema_id: str, request: Request, _: Scim) -> Response:
    return _render(discovery.schema(schema_id=schema_id, base=_base(request)))


# --- users -----------------------------------------------------------------------------------


@router.get("/Users")
def list_users(
    request: Request,
    session: SessionDep,
    _: Scim,
    params: ListQuery,
) -> Response:
    return _render(users.list_users(session, params=params, base=_base(request)))


@router.post("/Users")
def create_user(
    request: Request, payload: Payload, session: SessionDep, principal: Scim
) -> Response:
    return _render(users.create_user(session, principal, payload=payload, base=_base(request)))


@router.get("/Users/{user_id}")
def read_user(
    user_id: str,
    request: Request,
    session: SessionDep,
    _: Scim,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> Response:
    shown = users.response_parameters(attributes, excluded_attributes)
    return _render(users.get_user(session, user_id=user_id, base=_base(request), params=shown))


@router.put("/Users/{user_id}")
def replace_user(
    user_id: str, request: Request, payload: Payload, session: SessionDep, principal: Scim
) -> Response:
    answer = users.replace_user(
        session, principal, user_id=user_id, payload=payload, base=_base(request)
    )
    return _render(answer)


@router.patch("/Users/{user_id}")
def patch_user(
    user_id: str, request: Request, payload: Payload, session: SessionDep, principal: Scim
) -> Response:
    answer = users.patch_user(
        session, principal, user_id=user_id, payload=payload, base=_base(request)
    )
    return _render(answer)


@router.delete("/Users/{user_id}")
def delete_user(user_id: str, session: SessionDep, principal: Scim) -> Response:
    return _render(users.delete_user(session, principal, user_id=user_id))


# --- groups ----------------------------------------------------------------------------------


@router.get("/Groups")
def list_groups(
    request: Request,
    session: SessionDep,
    _: Scim,
    params: ListQuery,
) -> Response:
    return _render(groups.list_groups(session, params=params, base=_base(request)))


@router.post("/Groups")
def create_group(
    request: Request, payload: Payload, session: SessionDep, principal: Scim
) -> Response:
    return _render(groups.create_group(session, principal, payload=payload, base=_base(request)))


@router.get("/Groups/{group_id}")
def read_group(
    group_id: str,
    request: Request,
    session: SessionDep,
    _: Scim,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> Response:
    shown = groups.response_parameters(attributes, excluded_attributes)
    return _render(groups.get_group(session, group_id=group_id, base=_base(request), params=shown))


@router.put("/Groups/{group_id}")
def replace_group(
    group_id: str, request: Request, payload: Payload, session: SessionDep, principal: Scim
) -> Response:
    answer = groups.replace_group(
        session, principal, group_id=group_id, payload=payload, base=_base(request)
    )
    return _render(answer)


@router.patch("/Groups/{group_id}")
def patch_group(
    group_id: str, request: Request, payload: Payload, session: SessionDep, principal: Scim
) -> Response:
    answer = groups.patch_group(
        session, principal, group_id=group_id, payload=payload, base=_base(request)
    )
    return _render(answer)


@router.delete("/Groups/{group_id}")
def delete_group(group_id: str, session: SessionDep, principal: Scim) -> Response:
    return _render(groups.delete_group(session, principal, group_id=group_id))


# --- the rest of the prefix ------------------------------------------------------------------


@router.post("/.search")
def search_everything(_: Scim) -> Response:
    raise ScimError(501, "Searching several resource types at once is not supported.")


_KNOWN: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (compile_path(route.path)[0], frozenset(route.methods or ()))
    for route in router.routes
    if isinstance(route, APIRoute)
]


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_a_scim_path(path: str, request: Request, _: Scim) -> Response:
    """Every other path under the prefix: 405 where another method is served, else 404."""
    full = f"{PREFIX}/{path}"
    allowed = sorted({m for pattern, methods in _KNOWN if pattern.match(full) for m in methods})
    if allowed:
        raise ScimError(
            405, "This address does not accept this method.", headers={"Allow": ", ".join(allowed)}
        )
    raise ScimError(404, "There is no SCIM resource at this address.")
