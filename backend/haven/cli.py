"""The ``haven`` operator command.

    haven serve [--host H] [--port P]   apply pending migrations, then serve API and web client
    haven db upgrade                    apply pending migrations
    haven db check-rollups [--json]     compare the check-in rollups with a rebuild (1: differ)
    haven seed-demo [--logins-file F]   create the demo organisation (first time only)
    haven create-user --email E --name N --role R [--role R2] [--department CODE] [--profession P]
                      [--password-stdin]
    haven users check-roles [--json]    list accounts whose roles break the separation of roles
    haven users reset-totp --email E    remove a person's authenticator (lost, with its recovery
                                        codes): they enrol again
    haven jobs run-once                 run the periodic jobs once (re-offers, purges, emails)
    haven support rewrap-keys           re-wrap support record keys under the first
                                        HAVEN_SUPPORT_RECORD_KEY (1: some no key opens)
    haven audit anchor                  write a signed checkpoint of the audit chain's head
    haven audit verify [--anchor-file F] [--public-key=K] [--json]
                                        check the chain with its key and anchors (1: broken)
    haven audit keygen                  print a new audit key and anchor key pair
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


def cmd_db_check_rollups(args: argparse.Namespace) -> int:
    """The check-in rollups (the weekly sums insights read) are checked, not trusted: list
    every row that differs from a rebuild from the responses (exit status 1). The rebuild
    runs in a transaction that is rolled back; check-in batches wait for it meanwhile."""
    from haven.checkins import service as checkins_service
    from haven.core.db import get_engine

    differences = checkins_service.rollup_differences(get_engine())
    if args.json:
        payload = {
            "differences": [
                {
                    "table": d.table,
                    "week_start": d.week_start.isoformat(),
                    "department_key": str(d.department_key),
                    "question_key": d.question_key,
                    "stored": d.stored,
                    "rebuilt": d.rebuilt,
                }
                for d in differences
            ]
        }
        print(json.dumps(payload, indent=2, sort_keys=True))
    elif not differences:
        print("The check-in rollups equal a rebuild from the answers.")
    else:
        print(f"{len(differences)} check-in rollup row(s) differ from a rebuild from the answers:")
        for d in differences:
            print(f"  {d.describe()}")
    return 1 if differences else 0


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


def cmd_users_reset_totp(args: argparse.Namespace) -> int:
    """Break-glass: a person lost their authenticator and their recovery codes. No
    administrator can do this through the API (one could then take over an account whose
    email they changed); the operator holds the database's credentials anyway."""
    from haven.auth import service as auth_service
    from haven.core.db import get_engine, new_session

    with new_session(get_engine()) as session:
        removed = auth_service.reset_second_factor(session, email=args.email)
        session.commit()
    if not removed:
        print(f"No authenticator is set up for {args.email}.", file=sys.stderr)
        return 1
    print(f"Removed the authenticator of {args.email}: they can set up a new one.")
    return 0


def cmd_users_check_roles(args: argparse.Namespace) -> int:
    """Accounts older than the separation of roles may still hold what it forbids: list
    them (exit status 1) so an administrator removes one of the roles."""
    from haven.auth import service as auth_service
    from haven.core.db import get_engine, new_session

    with new_session(get_engine()) as session:
        violations = auth_service.role_violations(session)
        session.rollback()
    if args.json:
        payload = {
            "violations": [
                {
                    "user_id": str(v.user_id),
                    "email": v.email,
                    "display_name": v.display_name,
                    "is_active": v.is_active,
                    "roles": v.roles,
                    "rule": v.rule,
                    "message": v.message,
                }
                for v in violations
            ]
        }
        print(json.dumps(payload, indent=2, sort_keys=True))
    elif not violations:
        print("Every account's roles follow the separation of roles.")
    else:
        print(f"{len(violations)} problem(s) with the separation of roles:")
        for v in violations:
            state = "" if v.is_active else " [deactivated]"
            print(f"  {v.email} ({v.display_name}){state}: {', '.join(v.roles)}")
            print(f"    {v.rule}: {v.message}")
        print("An administrator removes one of the roles in each case (Users, in the web client).")
    return 1 if violations else 0


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
        # The app's shutdown wrote the check-in answers it could; this catches any that the
        # jobs thread had out for a batch then (waiting answers are lost with the process).
        from haven.checkins import service as checkins_service

        checkins_service.write_ended_periods(app.state.engine)
    return 0


def cmd_jobs_run_once(_: argparse.Namespace) -> int:
    from haven.core.db import get_engine
    from haven.core.logging import configure_logging
    from haven.jobs import run_due_jobs

    configure_logging(get_settings().log_level)
    results = run_due_jobs(get_engine())
    print(json.dumps(results, sort_keys=True))
    return 1 if any(value < 0 for value in results.values()) else 0


def cmd_support_rewrap_keys(_: argparse.Namespace) -> int:
    """KEK rotation: every support data key re-wrapped under the first key of
    HAVEN_SUPPORT_RECORD_KEY, one committed batch at a time (see haven.support.sealing)."""
    from haven.core.db import get_engine, new_session
    from haven.support import sealing

    totals = {"rewrapped": 0, "already_current": 0, "unreadable": 0}
    after = None
    while True:
        with new_session(get_engine()) as session:
            batch = sealing.rewrap_keys(session, after=after)
            session.commit()
        totals["rewrapped"] += batch.rewrapped
        totals["already_current"] += batch.already_current
        totals["unreadable"] += batch.unreadable
        if batch.last is None:
            break
        after = batch.last
    print(json.dumps(totals, sort_keys=True))
    if totals["unreadable"]:
        print(
            "Some keys are wrapped under a key-encryption key that HAVEN_SUPPORT_RECORD_KEY "
            "does not hold; add it to the ring and run this again.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_audit_anchor(_: argparse.Namespace) -> int:
    from haven.core import audit
    from haven.core.db import get_engine

    try:
        outcome = audit.write_anchor(get_engine())
    except audit.AnchorRefused as exc:
        print(f"Not anchored: {exc}", file=sys.stderr)
        return 1
    path = get_settings().audit.anchor_file
    if outcome.repaired is not None:
        print(f"Wrote the lost line of the anchor at row {outcome.repaired.seq} to {path}.")
    if outcome.written is not None:
        print(f"Anchored the audit chain at row {outcome.written.seq} in {path}.")
    else:
        print(f"Nothing to anchor: {outcome.note}.")
    if outcome.syslog_error is not None:
        print(f"Sending the anchor to syslog failed: {outcome.syslog_error}", file=sys.stderr)
        return 1
    return 0


def _audit_report_json(report: Any) -> dict[str, Any]:
    anchors = report.anchors
    return {
        "ok": report.ok,
        "checked": report.chain.checked,
        "first_broken_seq": report.first_broken_seq,
        "reason": report.reason,
        "chain_ok": report.chain.ok,
        "anchors_ok": anchors.ok,
        "anchors_checked": anchors.checked,
        "last_anchor_seq": anchors.last_seq,
        "last_anchor_at": anchors.last_at.isoformat() if anchors.last_at else None,
        "unanchored_rows": anchors.unanchored_rows,
        "anchor_reason": anchors.reason,
    }


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from haven.core import audit
    from haven.core.db import get_engine, new_session
    from haven.core.settings import decode_key32

    public_key = None
    if args.public_key:
        raw = decode_key32(args.public_key, "--public-key")
        public_key = Ed25519PublicKey.from_public_bytes(raw)
    files = [Path(f) for f in args.anchor_file] if args.anchor_file else None
    with new_session(get_engine()) as session:
        report = audit.verify_audit_log(session, anchor_files=files, public_key=public_key)
        session.rollback()
    if args.json:
        print(json.dumps(_audit_report_json(report), indent=2, sort_keys=True))
        return 0 if report.ok else 1
    chain, anchors = report.chain, report.anchors
    if chain.ok:
        print(f"Audit chain: intact, {chain.checked} row(s) checked with the audit key.")
    else:
        print(
            f"Audit chain: BROKEN at row {chain.first_broken_seq}: {chain.reason} "
            f"({chain.checked} row(s) verified before it)."
        )
    where = ", ".join(str(f) for f in files) if files else str(get_settings().audit.anchor_file)
    if anchors.last_seq is None:
        summary = f"no anchor in {where}"
    else:
        last_at = anchors.last_at.isoformat(timespec="seconds") if anchors.last_at else "?"
        summary = (
            f"{anchors.checked} checked in {where}; the last at row {anchors.last_seq} "
            f"({last_at}); {anchors.unanchored_rows} row(s) since"
        )
    if anchors.ok:
        print(f"Anchors: {summary}.")
    else:
        print(f"Anchors: BROKEN: {anchors.reason} ({summary}).")
    return 0 if report.ok else 1


def cmd_audit_keygen(_: argparse.Namespace) -> int:
    import secrets

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from haven.core.audit import encode_key

    private_key = Ed25519PrivateKey.generate()
    print("# Keep the first two secret (never in the database or its backups);")
    print("# the public key is all that checking anchors needs.")
    print(f"HAVEN_AUDIT_KEY={secrets.token_urlsafe(48)}")
    print(f"HAVEN_AUDIT_ANCHOR_SIGNING_KEY={encode_key(private_key.private_bytes_raw())}")
    public = encode_key(private_key.public_key().public_bytes_raw())
    print(f"HAVEN_AUDIT_ANCHOR_PUBLIC_KEY={public}")
    return 0


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
    db_rollups = db_sub.add_parser(
        "check-rollups",
        help="compare the check-in rollups with a rebuild from the responses, rolled back "
        "(exit status 1: they differ)",
    )
    db_rollups.add_argument("--json", action="store_true", help="print JSON")
    db_rollups.set_defaults(func=cmd_db_check_rollups)

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

    users = sub.add_parser("users", help="people's accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    check_roles = users_sub.add_parser(
        "check-roles", help="list accounts whose roles break the separation of roles"
    )
    check_roles.add_argument("--json", action="store_true", help="print JSON")
    check_roles.set_defaults(func=cmd_users_check_roles)
    from haven.org.import_command import add_import_command

    add_import_command(users_sub)  # haven users import FILE.csv (haven.org.people_import)
    reset_totp = users_sub.add_parser(
        "reset-totp", help="remove a person's authenticator (they enrol again)"
    )
    reset_totp.add_argument("--email", required=True)
    reset_totp.set_defaults(func=cmd_users_reset_totp)

    jobs = sub.add_parser("jobs", help="periodic work")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run_once = jobs_sub.add_parser("run-once", help="run every periodic job once")
    run_once.set_defaults(func=cmd_jobs_run_once)

    support = sub.add_parser("support", help="peer-support maintenance")
    support_sub = support.add_subparsers(dest="support_command", required=True)
    rewrap = support_sub.add_parser(
        "rewrap-keys",
        help="re-wrap every support record key under the first HAVEN_SUPPORT_RECORD_KEY "
        "(exit status 1: some key is wrapped under a key not in the ring)",
    )
    rewrap.set_defaults(func=cmd_support_rewrap_keys)

    audit = sub.add_parser("audit", help="the audit chain and its anchors")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    anchor = audit_sub.add_parser(
        "anchor", help="write a signed checkpoint of the chain's head outside the database"
    )
    anchor.set_defaults(func=cmd_audit_anchor)
    verify = audit_sub.add_parser(
        "verify", help="check every link with the key and every anchor (exit status 1: broken)"
    )
    verify.add_argument(
        "--anchor-file",
        action="append",
        help="check these anchor lines instead of HAVEN_AUDIT_ANCHOR_FILE (repeatable; lines "
        "collected from syslog are accepted as they are)",
    )
    verify.add_argument(
        "--public-key",
        help="the anchor public key (base64url) to check with; write --public-key=KEY, "
        "since a key may start with '-'",
    )
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(func=cmd_audit_verify)
    keygen = audit_sub.add_parser("keygen", help="print a new audit key and anchor key pair")
    keygen.set_defaults(func=cmd_audit_keygen)

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
