"""Imports of people as jobs: a file's rows recorded, then worked through a batch at a time
(one transaction each, each row in a savepoint), their outcomes kept for the page and the
command line. What a row means and how it is applied: :mod:`haven.org.people_import`."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.core import clock
from haven.core.errors import Forbidden, NotFound
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.org.models import PeopleImport, PeopleImportRow
from haven.org.people_import import BATCH_ROWS, apply_row, read_csv
from haven.org.schemas import (
    PeopleImportOutcome,
    PeopleImportRead,
    PeopleImportRowRead,
    PeopleImportStatus,
    RowMessage,
)


def _read(job: PeopleImport) -> PeopleImportRead:
    return PeopleImportRead(
        id=job.id,
        file_name=job.file_name,
        status=PeopleImportStatus(job.status),
        source=job.source,
        created_by_id=job.created_by_id,
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        created_count=job.created_count,
        updated_count=job.updated_count,
        unchanged_count=job.unchanged_count,
        failed_count=job.failed_count,
        created_at=job.created_at,
        finished_at=job.finished_at,
        version=job.version,
    )


def _duplicates(rows: list[tuple[int, dict[str, str]]]) -> dict[int, list[RowMessage]]:
    """Rows that name the same person as another row: all of them fail."""
    found: dict[int, list[RowMessage]] = {}
    for column in ("external_id", "email"):
        values = Counter(c[column].lower() for _, c in rows if c.get(column))
        for number, cells in rows:
            value = cells.get(column, "").lower()
            if value and values[value] > 1:
                others = [
                    str(n) for n, c in rows if c.get(column, "").lower() == value and n != number
                ]
                found.setdefault(number, []).append(
                    RowMessage(field=column, message=f"Also on row(s) {', '.join(others[:5])}.")
                )
    return found


def start_import(
    session: Session,
    principal: Principal | None,
    *,
    file_name: str,
    data: bytes,
    proposer_id: uuid.UUID | None = None,
) -> PeopleImportRead:
    """Read the file (refusing it whole on a file error) and record its rows, to be worked
    through by :func:`continue_import`. ``principal`` None: the operator's command line,
    whose privileged roles are proposed by ``proposer_id`` (an active administrator)."""
    rows = read_csv(data)
    duplicates = _duplicates(rows)
    now = clock.now()
    job = PeopleImport(
        created_by_id=principal.id if principal is not None else proposer_id,
        file_name=(file_name or "people.csv")[:255],
        source="web" if principal is not None else "cli",
        status=PeopleImportStatus.running.value,
        total_rows=len(rows),
        failed_count=len(duplicates),
        processed_rows=len(duplicates),
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    for number, cells in rows:
        failed = duplicates.get(number)
        session.add(
            PeopleImportRow(
                import_id=job.id,
                row_number=number,
                cells=None if failed else cells,
                email=(cells.get("email") or None) and cells["email"][:254],
                outcome=(
                    PeopleImportOutcome.failed if failed else PeopleImportOutcome.pending
                ).value,
                messages=[m.model_dump() for m in failed or []],
            )
        )
    _finish_if_done(job)
    session.flush()
    return _read(job)


def _finish_if_done(job: PeopleImport) -> None:
    if job.processed_rows >= job.total_rows and job.status != PeopleImportStatus.done.value:
        job.status = PeopleImportStatus.done.value
        job.finished_at = clock.now()


def _actor(
    session: Session, principal: Principal | None, job: PeopleImport
) -> auth_service.DirectoryActor:
    if principal is None:  # the operator: privileged roles only with a proposer
        return auth_service.DirectoryActor(principal=None, proposer_id=job.created_by_id)
    if principal.id != job.created_by_id:
        raise Forbidden(
            "Only the administrator who uploaded this file continues its import: the "
            "privileged roles it asks for are proposed in their name."
        )
    return auth_service.directory_actor_for(session, principal)


def _load(session: Session, import_id: uuid.UUID) -> PeopleImport:
    job = session.get(PeopleImport, import_id)
    if job is None:
        raise NotFound("No such import.")
    return job


def continue_import(
    session: Session, principal: Principal | None, *, import_id: uuid.UUID, batch: int = BATCH_ROWS
) -> PeopleImportRead:
    """Apply the next ``batch`` rows (in this transaction; each row in a savepoint)."""
    job = _load(session, import_id)
    if job.status == PeopleImportStatus.done.value:
        return _read(job)
    actor = _actor(session, principal, job)
    # Claim the import first (its version moves): a second request working on it at the
    # same time fails (412) instead of applying the same rows twice; and the transaction is
    # open before the first savepoint, as SQLite needs.
    job.updated_at = clock.now()
    session.add(job)
    session.flush()
    rows = session.exec(
        select(PeopleImportRow)
        .where(
            col(PeopleImportRow.import_id) == job.id,
            col(PeopleImportRow.outcome) == PeopleImportOutcome.pending.value,
        )
        .order_by(col(PeopleImportRow.row_number))
        .limit(batch)
    ).all()
    counters = {
        PeopleImportOutcome.created: "created_count",
        PeopleImportOutcome.updated: "updated_count",
        PeopleImportOutcome.unchanged: "unchanged_count",
        PeopleImportOutcome.failed: "failed_count",
    }
    for row in rows:
        outcome, user_id, messages = apply_row(session, actor, row.cells or {})
        row.outcome, row.user_id, row.cells = outcome.value, user_id, None
        row.messages = [m.model_dump() for m in messages]
        session.add(row)
        name = counters[outcome]
        setattr(job, name, getattr(job, name) + 1)
        job.processed_rows += 1
    if not rows:
        job.processed_rows = job.total_rows
    _finish_if_done(job)
    session.add(job)
    session.flush()
    return _read(job)


def get_import(session: Session, import_id: uuid.UUID) -> PeopleImportRead:
    return _read(_load(session, import_id))


def list_imports(
    session: Session, *, params: PageParams
) -> tuple[list[PeopleImportRead], str | None]:
    rows, cursor = paginate(
        session,
        select(PeopleImport),
        keys=[col(PeopleImport.created_at), col(PeopleImport.id)],
        params=params,
        descending=True,
    )
    return [_read(r) for r in rows], cursor


def import_rows(
    session: Session,
    *,
    import_id: uuid.UUID,
    params: PageParams,
    outcome: PeopleImportOutcome | None = None,
) -> tuple[list[PeopleImportRowRead], str | None]:
    _load(session, import_id)
    stmt = select(PeopleImportRow).where(col(PeopleImportRow.import_id) == import_id)
    if outcome is not None:
        stmt = stmt.where(col(PeopleImportRow.outcome) == outcome.value)
    rows, cursor = paginate(session, stmt, keys=[col(PeopleImportRow.row_number)], params=params)
    return [_row_read(r) for r in rows], cursor


def _row_read(row: PeopleImportRow) -> PeopleImportRowRead:
    messages: list[dict[str, Any]] = list(row.messages or [])
    return PeopleImportRowRead(
        row_number=row.row_number,
        email=row.email,
        outcome=PeopleImportOutcome(row.outcome),
        user_id=row.user_id,
        messages=[RowMessage.model_validate(m) for m in messages],
    )
