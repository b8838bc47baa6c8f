"""The ``haven`` operator command.

    haven serve [--host H] [--port P]   apply pending migrations, then serve API and web client
    haven db upgrade                    apply pending migrations
    haven seed-demo [--logins-file F]   create the demo organisation (first time only)
    haven create-user --email E --name N --role R [--role R2] [--department CODE] [--profession P]
                      [--password-stdin]
    haven jobs run-once                 run the periodic jobs once (re-offers, purges, emails)
    haven openapi                       print the OpenAPI document

Configuration comes from the same ``HAVEN_*`` environment variables as the server.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from haven.core.settings import ConfigurationError, get_settings

DEMO_LOGINS_FILE = "demo-logins.json"


def _openapi_document() -> dict[str, Any]:
    from haven.main import create_app

    app = create_app()
    return app.openapi()


def openapi_json() -> str:
    return json.dumps(_openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def cmd_openapi(_: argparse.Namespace) -> int:
    sys.stdout.write(openapi_json())
    return 0


def cmd_db_upgrade(_: argparse.Namespace) -> int:
    from haven.core.migrate import upgrade

    upgrade(get_settings().database_url)
    print("Database is up to date.")
    return 0


def _logins_path(args: argparse.Namespace) -> Path:
    if getattr(args, "logins_file", None):
        return Path(args.logins_file)
    return get_settings().var_dir / DEMO_LOGINS_FILE


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from haven.core.db import get_engine, new_session
    from haven.demo import read_logins, seed_demo, write_logins

    path = _logins_path(args)
    with new_session(get_engine()) as session:
        logins = seed_demo(session)
        session.commit()
    if logins is None:
        print("The demo organisation already exists; nothing was changed.")
        if path.exists():
            print(f"Demo sign-ins (passwords in {path}):")
            for login in read_logins(path):
                print(f"  {login.role:<20} {login.email}")
        return 0
    write_logins(path, logins)
    print("Created the demo organisation. These passwords are shown once; they are also in")
    print(f"{path} (readable by you only):")
    for login in logins:
        print(f"  {login.role:<20} {login.email:<34} {login.password}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from haven.auth.schemas import Profession, Role, UserCreate
    from haven.core.db import get_engine, new_session
    from haven.core.errors import AppError
    from haven.org import service as org_service
    from haven.org.models import Department

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    with new_session(get_engine()) as session:
        department_id = None
        if args.department:
            dep = session.exec(
                select(Department).where(col(Department.code) == args.department.upper())
            ).first()
            if dep is None:
                print(f"No department with code {args.department!r}.", file=sys.stderr)
                return 2
            department_id = dep.id
        try:
            data = UserCreate(
                email=args.email,
                display_name=args.name,
                roles=[Role(r) for r in args.role],
                department_id=department_id,
                profession=Profession(args.profession),
                password=password,
            )
            created = org_service.create_user(session, None, data=data)
        except AppError as exc:
            print(f"{exc.title}: {exc.detail}", file=sys.stderr)
            return 1
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        session.commit()
    print(f"Created {created.email} ({', '.join(created.roles)}).")
    if created.initial_password:
        print(f"Password (shown once): {created.initial_password}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from haven.core.logging import configure_logging
    from haven.core.migrate import upgrade
    from haven.main import create_app

    settings = get_settings()
    configure_logging(settings.log_level)
    upgrade(settings.database_url)
    app = create_app(settings)
    from haven.jobs import start_background_jobs

    # Every process runs the periodic jobs; they claim rows, so several processes may.
    runner = start_background_jobs(app.state.engine, settings.jobs_interval_seconds)
    print(f"Haven is serving API and web client at http://{args.host}:{args.port}/", flush=True)
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            access_log=False,  # haven.access replaces it; see haven.core.logging
            log_config=None,
            server_header=False,
            proxy_headers=False,
        )
    finally:
        if runner is not None:
            runner.stop()
    return 0


def cmd_jobs_run_once(_: argparse.Namespace) -> int:
    from haven.core.db import get_engine
    from haven.core.logging import configure_logging
    from haven.jobs import run_due_jobs

    configure_logging(get_settings().log_level)
    results = run_due_jobs(get_engine())
    print(json.dumps(results, sort_keys=True))
    return 1 if any(value < 0 for value in results.values()) else 0


def build_parser() -> argparse.ArgumentParser:
    from haven.auth.schemas import Profession, Role

    parser = argparse.ArgumentParser(prog="haven", description="Haven operator command")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve the API and web client")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_up = db_sub.add_parser("upgrade", help="apply pending migrations")
    db_up.set_defaults(func=cmd_db_upgrade)

    seed = sub.add_parser("seed-demo", help="create the demo organisation (first time only)")
    seed.add_argument(
        "--logins-file", help=f"where to write logins (default var/{DEMO_LOGINS_FILE})"
    )
    seed.set_defaults(func=cmd_seed_demo)

    create = sub.add_parser("create-user", help="create a person's account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    create.add_argument("--department", help="department code, e.g. ED")
    create.add_argument("--profession", default="other", choices=[p.value for p in Profession])
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(func=cmd_create_user)

    jobs = sub.add_parser("jobs", help="periodic work")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run_once = jobs_sub.add_parser("run-once", help="run every periodic job once")
    run_once.set_defaults(func=cmd_jobs_run_once)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigurationError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
