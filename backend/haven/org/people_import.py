"""The bulk import of people from a CSV file, for sites without SCIM: ``haven users import
FILE.csv`` and the administrators' page (``/api/v1/people-imports``). The account rules are
:mod:`haven.auth.directory`'s, the same as SCIM's.

**The file.** UTF-8 (a byte-order mark is fine), comma, semicolon or tab separated (told
from the header), a header row naming the columns in any order and case (``external id``,
``External-ID`` and ``externalId`` all read as ``external_id``):

=================  ==========  ===========================================================
column             required    meaning
=================  ==========  ===========================================================
email              yes         the person's address (their key when there is no external id)
display_name       yes         the name Haven shows
external_id        no          the directory's id for the person: the key when given
department_code    no          a Haven department's code (an active one)
profession         no          nurse, physician, pharmacist, allied_health, support_staff, other
roles              no          roles separated by ``;``, ``|``, ``,`` or spaces
active             no          true/false (yes/no, 1/0): false deactivates, ending sessions
=================  ==========  ===========================================================

A column Haven does not know refuses the whole file (a misspelt ``deparment_code`` must not
be silently ignored), as do a missing required column, an empty file, more than
:data:`MAX_ROWS` rows, or a file that is not UTF-8. Such file errors are answered before
anything is written.

**Re-running updates.** A row names its person by ``external_id``, else by ``email``; a
person found is updated (only what differs; ``unchanged`` otherwise), one not found is
created (without a password: they sign in with single sign-on, or an administrator sends a
reset link). An empty cell leaves the person's value as it is; a new person gets no
department, profession ``other``, roles ``staff`` and ``active`` true. A ``roles`` cell is
the person's whole set of roles: roles it does not list are removed; privileged ones it adds
wait for a second administrator (the uploading administrator proposes them, so cannot
confirm them; the command line needs ``--proposer``), as everywhere. An email that belongs
to an account with another external id is refused, never relinked.

**Row by row.** Decision: each row stands alone (a savepoint each): a wrong row is reported
(its row number, as a spreadsheet numbers it, and each column that is wrong, never its
values) and the rows that are right are imported. All-or-nothing would make one typo in
4,000 rows block everybody's access; re-running the corrected file converges. Rows that
name the same external id or email twice all fail (which one is right cannot be told).

**Progress.** An import is a row of ``people_imports`` with one row per line of the file;
it is worked through a batch at a time (:func:`haven.org.import_jobs.continue_import`, one
transaction each): the
page calls it until the import is ``done`` and shows the progress after each batch, and the
command line does the same, printing a progress line. Nothing runs in the background: if
the page is closed, the import waits, and continuing it picks up where it stopped (only its
administrator may continue it, as the privileged roles are proposed in their name). Once a
row is applied its cells are dropped; the outcome, the row's email and the messages stay.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlmodel import Session

from haven.auth import service as auth_service
from haven.auth.schemas import Profession, Role
from haven.core.errors import AppError, Unprocessable, field_error
from haven.org import service as org_service
from haven.org.schemas import (
    PeopleImportOutcome,
    RowMessage,
)

MAX_ROWS = 50_000
BATCH_ROWS = 100
COLUMNS = (
    "external_id",
    "email",
    "display_name",
    "department_code",
    "profession",
    "roles",
    "active",
)
REQUIRED = ("email", "display_name")
_LIMITS = {"external_id": 255, "email": 254, "display_name": 120, "department_code": 16}
_EMAIL = TypeAdapter(EmailStr)
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


class ImportFileRefused(Unprocessable):
    type, title = "import-file-refused", "The file cannot be imported"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[field_error("file", detail)])


def _column(header: str) -> str:
    """A header as the column it names: ``External ID`` -> ``external_id``."""
    folded = re.sub(r"[^a-z0-9]", "", header.strip().lower())
    return next((c for c in COLUMNS if c.replace("_", "") == folded), header.strip())


def read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number, {column: cell}); file errors raise
    :class:`ImportFileRefused`. Blank lines are skipped (their numbers are kept)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileRefused("The file is not UTF-8 text (save it as CSV UTF-8).") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileRefused("The file is empty.") from None
    except csv.Error:
        raise ImportFileRefused("The header is not valid CSV (an unclosed quote?).") from None
    columns = [_column(h) for h in header]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ImportFileRefused(
            f"Unknown column(s): {', '.join(sorted(set(unknown)))[:200]}. The columns are "
            f"{', '.join(COLUMNS)}."
        )
    if len(set(columns)) != len(columns):
        raise ImportFileRefused("A column is named twice.")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileRefused(f"Missing column(s): {', '.join(missing)}.")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileRefused(f"More than {MAX_ROWS} rows: split the file.")
            values = {
                c: (cells[i].strip() if i < len(cells) else "") for i, c in enumerate(columns)
            }
            extra = any(c.strip() for c in cells[len(columns) :])
            if extra:
                values["__extra__"] = "1"
            rows.append((reader.line_num, values))
    except csv.Error:
        raise ImportFileRefused(
            f"The file is not valid CSV near line {reader.line_num} (an unclosed quote?)."
        ) from None
    if not rows:
        raise ImportFileRefused("The file has a header but no rows.")
    return rows


@dataclass
class _Parsed:
    external_id: str | None
    email: str
    display_name: str
    department_id: uuid.UUID | None
    department_given: bool
    profession: Profession | None
    roles: frozenset[Role] | None
    active: bool | None


class RowRefused(Exception):
    def __init__(self, messages: list[RowMessage]) -> None:
        super().__init__("row refused")
        self.messages = messages


def _parse(session: Session, cells: dict[str, str]) -> _Parsed:
    errors: list[RowMessage] = []

    def wrong(column: str, message: str) -> None:
        errors.append(RowMessage(field=column, message=message))

    if cells.get("__extra__"):
        wrong("row", "The row has more cells than the header has columns.")
    for column, limit in _LIMITS.items():
        if len(cells.get(column, "")) > limit:
            wrong(column, f"Longer than {limit} characters.")
    email = cells.get("email", "")
    try:
        _EMAIL.validate_python(email)
    except ValidationError:
        wrong("email", "Not an email address." if email else "Required.")
    if not cells.get("display_name"):
        wrong("display_name", "Required.")
    department_id = None
    code = cells.get("department_code", "")
    if code:
        department_id = org_service.active_department_id_by_code(session, code)
        if department_id is None:
            wrong("department_code", "No active department has this code.")
    profession = None
    if cells.get("profession"):
        try:
            profession = Profession(cells["profession"].lower().replace(" ", "_"))
        except ValueError:
            wrong("profession", f"One of {', '.join(p.value for p in Profession)}.")
    roles = None
    if cells.get("roles"):
        names = [r for r in re.split(r"[;|,\s]+", cells["roles"].lower()) if r]
        if not all(name in Role.__members__ for name in names):
            wrong("roles", f"Roles are {', '.join(r.value for r in Role)}.")
        else:
            roles = frozenset(Role(name) for name in names)
    active = None
    if cells.get("active"):
        flag = cells["active"].lower()
        if flag not in _TRUE | _FALSE:
            wrong("active", "true or false.")
        active = flag in _TRUE
    if errors:
        raise RowRefused(errors)
    return _Parsed(
        external_id=cells.get("external_id") or None,
        email=email,
        display_name=cells["display_name"],
        department_id=department_id,
        department_given=bool(code),
        profession=profession,
        roles=roles,
        active=active,
    )


def _messages(exc: AppError) -> list[RowMessage]:
    """A refusal of the account rules, as the row's message (on the column it is about)."""
    columns = {
        "user_name": "email",
        "department": "department_code",
        "department_id": "department_code",
    }
    field = exc.errors[0].field if exc.errors else "row"
    return [RowMessage(field=columns.get(field, field) or "row", message=exc.detail or exc.title)]


def apply_row(
    session: Session, actor: auth_service.DirectoryActor, cells: dict[str, str]
) -> tuple[PeopleImportOutcome, uuid.UUID | None, list[RowMessage]]:
    """One row, in a savepoint of its own: its outcome, the person, and the messages."""
    try:
        parsed = _parse(session, cells)
    except RowRefused as refused:
        return PeopleImportOutcome.failed, None, refused.messages
    keep = auth_service.KEEP
    savepoint = session.begin_nested()
    try:
        user_id = auth_service.find_account_id(
            session, external_id=parsed.external_id, email=parsed.email
        )
        if user_id is None:
            outcome = auth_service.create_account(
                session,
                actor,
                fields=auth_service.AccountFields(
                    email=parsed.email,
                    display_name=parsed.display_name,
                    external_id=parsed.external_id,
                    department_id=parsed.department_id,
                    profession=parsed.profession or Profession.other,
                    is_active=parsed.active if parsed.active is not None else True,
                    roles=parsed.roles if parsed.roles is not None else frozenset({Role.staff}),
                ),
            )
            result = PeopleImportOutcome.created
        else:
            current = auth_service.get_account(session, user_id)
            if parsed.external_id and current.external_id not in (None, parsed.external_id):
                savepoint.rollback()
                return (
                    PeopleImportOutcome.failed,
                    None,
                    [RowMessage(field="external_id", message="This email belongs to an account "
                                "with another external id.")],
                )  # fmt: skip
            outcome = auth_service.change_account(
                session,
                actor,
                user_id=user_id,
                change=auth_service.AccountChange(
                    email=parsed.email,
                    display_name=parsed.display_name,
                    external_id=parsed.external_id if parsed.external_id else keep,
                    department_id=parsed.department_id if parsed.department_given else keep,
                    profession=parsed.profession if parsed.profession else keep,
                    is_active=parsed.active if parsed.active is not None else keep,
                    roles=parsed.roles if parsed.roles is not None else keep,
                ),
            )
            result = (
                PeopleImportOutcome.updated if outcome.changed else PeopleImportOutcome.unchanged
            )
        savepoint.commit()
    except AppError as exc:
        savepoint.rollback()
        return PeopleImportOutcome.failed, None, _messages(exc)
    notes = []
    if outcome.grant_id is not None:
        notes.append(
            RowMessage(
                field="roles",
                message="Privileged roles wait for a second administrator's confirmation.",
            )
        )
    return result, outcome.account.id, notes
