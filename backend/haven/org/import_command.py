"""``haven users import FILE.csv``: the bulk import of people from the operator's command line
(the format and the rules: :mod:`haven.org.people_import`; the job: :mod:`haven.org.import_jobs`).

The import is recorded like one uploaded in the web client (``source`` ``cli``), worked
through a batch at a time, each batch committed: a progress line on standard error (one
line rewritten on a terminal, a line a batch otherwise), then the outcome and each refused
row on standard output. Exit status 0 when every row was imported, 1 when some were
refused (the others are imported), 2 when the file itself was refused.

The operator holds the database's credentials, yet privileged roles in the file still wait
for a second administrator: ``--proposer EMAIL`` names the active administrator they are
proposed by (who can then not confirm them). Without it, rows asking for a privileged role
are refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from haven.core.errors import AppError


def add_import_command(users: Any) -> None:
    """Register ``import`` under ``haven users``."""
    command = users.add_parser(
        "import",
        help="create or update people from a CSV file (re-running it updates them)",
        description="Columns: email, display_name (required), external_id, department_code, "
        "profession, roles, active. See README, 'Importing people from a CSV file'.",
    )
    command.add_argument("file", type=Path, help="the CSV file (UTF-8)")
    command.add_argument(
        "--proposer",
        metavar="EMAIL",
        help="the active administrator who proposes the privileged roles in the file "
        "(another administrator confirms them)",
    )
    command.add_argument(
        "--batch", type=int, default=200, help="rows per transaction (default 200)"
    )
    command.set_defaults(func=run_import)


def _progress(done: int, total: int, *, final: bool = False) -> None:
    line = f"Importing people: {done}/{total} rows ({done * 100 // max(total, 1)}%)"
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{line}" + ("\n" if final else ""))
    else:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


def run_import(args: argparse.Namespace) -> int:
    from haven.auth import service as auth_service
    from haven.core.db import get_engine, new_session
    from haven.core.pagination import PageParams
    from haven.org import import_jobs
    from haven.org.schemas import PeopleImportOutcome

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    engine = get_engine()
    with new_session(engine) as session:
        proposer = None
        if args.proposer:
            proposer = auth_service.active_user_id_by_email(session, args.proposer)
            roles = auth_service.get_user(session, proposer).roles if proposer else []
            if proposer is None or "admin" not in roles:
                print(f"{args.proposer} is not an active administrator.", file=sys.stderr)
                return 2
        try:
            job = import_jobs.start_import(
                session, None, file_name=args.file.name, data=data, proposer_id=proposer
            )
        except AppError as exc:
            print(f"{exc.title}: {exc.detail}", file=sys.stderr)
            return 2
        session.commit()
    _progress(job.processed_rows, job.total_rows)
    while job.status.value != "done":
        with new_session(engine) as session:
            job = import_jobs.continue_import(
                session, None, import_id=job.id, batch=max(1, args.batch)
            )
            session.commit()
        _progress(job.processed_rows, job.total_rows, final=job.status.value == "done")
    print(
        f"{args.file.name}: {job.total_rows} row(s): {job.created_count} created, "
        f"{job.updated_count} updated, {job.unchanged_count} unchanged, "
        f"{job.failed_count} refused."
    )
    if job.failed_count:
        cursor = None
        with new_session(engine) as session:
            while True:
                rows, cursor = import_jobs.import_rows(
                    session,
                    import_id=job.id,
                    params=PageParams(limit=200, cursor=cursor),
                    outcome=PeopleImportOutcome.failed,
                )
                for row in rows:
                    for message in row.messages:
                        print(f"  row {row.row_number}: {message.field}: {message.message}")
                if cursor is None:
                    break
            session.rollback()
        print("The other rows were imported. Correct these and run the import again.")
    return 1 if job.failed_count else 0
