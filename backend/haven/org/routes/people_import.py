"""The bulk import of people, for administrators (the rules: :mod:`haven.org.people_import`).

Upload a CSV file (``POST /people-imports``, multipart ``file``), then continue the import
(``POST /people-imports/{import_id}/continue``) until its ``status`` is ``done``: each call
works through the next batch of rows in one transaction and answers the progress. The rows'
outcomes, the refused ones first if asked (``?outcome=failed``), are listed for the page.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status

from haven.auth.deps import Allow
from haven.auth.schemas import Role
from haven.core.errors import problem_responses
from haven.core.http import HavenRoute, SessionDep
from haven.core.pagination import Page, PageParams, page_params
from haven.core.security import Principal
from haven.org import import_jobs
from haven.org.schemas import PeopleImportOutcome, PeopleImportRead, PeopleImportRowRead

router = APIRouter(prefix="/people-imports", tags=["people-imports"], route_class=HavenRoute)

Admin = Annotated[Principal, Allow(Role.admin)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("", response_model=Page[PeopleImportRead])
def list_people_imports(session: SessionDep, _: Admin, paging: Paging) -> Page[PeopleImportRead]:
    items, cursor = import_jobs.list_imports(session, params=paging)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "",
    response_model=PeopleImportRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(413, 422),
    summary="Upload a CSV file of people; a file error refuses it whole",
)
def start_people_import(
    file: Annotated[UploadFile, File(description="The CSV file (UTF-8).")],
    session: SessionDep,
    principal: Admin,
    response: Response,
) -> PeopleImportRead:
    data = file.file.read()
    job = import_jobs.start_import(
        session, principal, file_name=file.filename or "people.csv", data=data
    )
    response.headers["Location"] = f"/api/v1/people-imports/{job.id}"
    return job


@router.get("/{import_id}", response_model=PeopleImportRead, responses=problem_responses(404))
def read_people_import(import_id: uuid.UUID, session: SessionDep, _: Admin) -> PeopleImportRead:
    return import_jobs.get_import(session, import_id)


@router.post(
    "/{import_id}/continue",
    response_model=PeopleImportRead,
    responses=problem_responses(403, 404, 412),
    summary="Work through the next batch of rows; call again until the import is done",
)
def continue_people_import(
    import_id: uuid.UUID, session: SessionDep, principal: Admin
) -> PeopleImportRead:
    return import_jobs.continue_import(session, principal, import_id=import_id)


@router.get(
    "/{import_id}/rows",
    response_model=Page[PeopleImportRowRead],
    responses=problem_responses(404),
)
def list_people_import_rows(
    import_id: uuid.UUID,
    session: SessionDep,
    _: Admin,
    paging: Paging,
    outcome: Annotated[
        PeopleImportOutcome | None, Query(description="Only rows with this outcome.")
    ] = None,
) -> Page[PeopleImportRowRead]:
    items, cursor = import_jobs.import_rows(
        session, import_id=import_id, params=paging, outcome=outcome
    )
    return Page(items=items, next_cursor=cursor)
