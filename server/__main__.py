"""The ivlog command line: python -m server {serve,migrate,demo,user,visit,verify-audit,backup}."""

from __future__ import annotations

import argparse
import dataclasses
import os
import asyncio
import getpass
import sys
from typing import Any, Awaitable, Callable

from server.db import schema
from server.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ivlog: configuration error: {exc}", file=sys.stderr)
        return 2
    from server import audit
    from server.auth import passwords

    audit.configure_from(settings)
    passwords.configure_from(settings)
    try:
        return args.func(settings, args)
    except schema.DatabaseNotReady as exc:
        print(f"ivlog: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server", description="ivlog: home-infusion visit logger")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve the web app (IVLOG_HOST, IVLOG_PORT)")
    serve.add_argument("--host", help="override IVLOG_HOST")
    serve.add_argument("--port", type=int, help="override IVLOG_PORT")
    serve.add_argument("--workers", type=int, help="override IVLOG_WORKERS (server processes sharing the database)")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    demo = sub.add_parser("demo", help="load demo data")
    demo.add_argument("--if-empty", action="store_true", help="(the default) never touch a database that holds data")
    demo.set_defaults(func=cmd_demo)
    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add a user; the password is read from stdin or prompted")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["nurse", "pharmacist", "physician", "admin"])
    add.add_argument("--name", required=True, help="display name, e.g. 'Nora Quinn, RN'")
    add.add_argument("--organization", type=int, default=None, help="organization id (default: the only one)")
    add.add_argument("--email")
    add.set_defaults(func=cmd_user_add)
    disable = user.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("username")
    disable.set_defaults(func=cmd_user_disable)
    password = user.add_parser("password", help="set a user's password (read from stdin or prompted) and end "
                                                "their sessions")
    password.add_argument("username")
    password.set_defaults(func=cmd_user_password)
    visit = sub.add_parser("visit", help="schedule visits").add_subparsers(dest="action", required=True)
    plan = visit.add_parser("schedule", help="schedule a visit or a series (local time, IVLOG_TIMEZONE)")
    plan.add_argument("--by", required=True, help="the pharmacist's username (recorded as who scheduled)")
    for name in ("patient", "order"):
        plan.add_argument(f"--{name}", type=int, required=True, help=f"{name} id")
    plan.add_argument("--nurse", required=True, help="the nurse's username (assigned to the patient)")
    plan.add_argument("--date", required=True, help="local date of the first visit, YYYY-MM-DD")
    plan.add_argument("--time", required=True, help="local time, HH:MM")
    repeat = plan.add_mutually_exclusive_group()
    repeat.add_argument("--every-weeks", type=int, help="a series every N weeks")
    repeat.add_argument("--daily", action="store_true", help="a daily course")
    plan.add_argument("--count", type=int, default=1, help="number of visits (default 1)")
    plan.add_argument("--same-day", action="store_true",
                      help="a second visit of the order on a day that has one is meant (refused otherwise)")
    plan.set_defaults(func=cmd_visit_schedule)
    verify = sub.add_parser("verify-audit", help="verify the audit chain and its checkpoint (exit 1 if broken)")
    verify.add_argument("--without-anchor", action="store_true",
                        help="the chain alone: for a backup copy, which may end before the newest checkpoint")
    verify.set_defaults(func=cmd_verify_audit)
    backup = sub.add_parser("backup", help="copy the live database to PATH (consistent, verified, atomic)")
    backup.add_argument("path", help="the backup file (SQLite file, or a pg_dump custom-format archive)")
    backup.set_defaults(func=cmd_backup)
    return parser


def _with_database(settings: Settings, work: Callable[[], Awaitable[int]], *, ready: bool = True,
                   checkpoint: bool = True) -> int:
    """`checkpoint`: afterwards bring the audit anchor up to what the command appended."""
    from server.audit_checkpoint import advance

    async def run() -> int:
        await schema.open_database(settings.database_url)
        try:
            if ready:
                await schema.check_ready(settings.database_url)
            status = await work()
            if ready and checkpoint:
                await advance()
            return status
        finally:
            await schema.close_database()

    return asyncio.run(run())


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server import runtime
    from server.app import create_app

    _with_database(settings, _ok)  # refuse an unmigrated database before binding the port
    host, port = args.host or settings.host, args.port or settings.port
    workers = args.workers or settings.workers
    # The app's own origin is the bound address (server.middleware.same_origin): the overrides
    # reach this process's settings and, through the environment, every worker's.
    settings = dataclasses.replace(settings, host=host, port=port)
    os.environ.update(IVLOG_HOST=host, IVLOG_PORT=str(port))
    print(f"ivlog serving on http://{host}:{port} ({workers} process{'es' if workers > 1 else ''})", flush=True)
    if workers == 1:
        app = create_app(settings)
        runtime.tune_garbage_collector()
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)  # the app reads them
    else:  # each worker process builds its own app from the same environment
        uvicorn.run("server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", proxy_headers=False)
    return 0


async def _ok() -> int:
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        applied = await schema.migrate(settings.database_url)
        print(f"migrations applied: {', '.join(applied) if applied else 'none (up to date)'}")
        return 0

    return _with_database(settings, work, ready=False)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from server.services import demo

    async def work() -> int:
        problem = demo.password_problem(settings.demo_password)
        if problem:  # checked before anything is written: a refused user left an organization with no users
            print(f"ivlog: IVLOG_DEMO_PASSWORD: {problem}; nothing loaded", file=sys.stderr)
            return 2
        result = await demo.load_if_empty(password=settings.demo_password)
        if not result.loaded:
            print("demo data: the database already holds data; nothing loaded")
        elif result.password:
            print("demo data loaded. Users: nurse, nurse2, pharmacist, physician, admin")
            print(f"demo password (shown once): {result.password}")
        else:
            print("demo data loaded. Users: nurse, nurse2, pharmacist, physician, admin (password: IVLOG_DEMO_PASSWORD)")
        return 0

    return _with_database(settings, work)


def cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    from server.db.models import Organization, Role
    from server.services.users import add_user

    password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")

    async def work() -> int:
        orgs = await Organization.all() if args.organization is None else await Organization.filter(id=args.organization)
        if len(orgs) != 1:
            print("ivlog: name the organization with --organization ID", file=sys.stderr)
            return 2
        user = await add_user(
            organization=orgs[0], username=args.username, display_name=args.name,
            role=Role(args.role), password=password, email=args.email, by=None,
        )
        print(f"user {user.username} added (id {user.id}, {user.role})")
        return 0

    return _guarded(settings, work)


def _on_user(settings: Settings, username: str, change: Callable[[Any], Awaitable[str]]) -> int:
    """Run `change` on the named user; it returns the line to print."""
    from server.db.models import User

    async def work() -> int:
        user = await User.get_or_none(username=username.lower())
        if user is None:
            print(f"ivlog: no user {username!r}", file=sys.stderr)
            return 1
        print(await change(user))
        return 0

    return _guarded(settings, work)


def cmd_user_disable(settings: Settings, args: argparse.Namespace) -> int:
    from server.services.local_time import LocalTime
    from server.services.users import set_active

    async def disable(user: Any) -> str:
        await set_active(user=user, active=False, by=None, clock=LocalTime(settings.timezone))
        return f"user {user.username} disabled; their sessions are ended"

    return _on_user(settings, args.username, disable)


def cmd_user_password(settings: Settings, args: argparse.Namespace) -> int:
    from server.services.users import set_password

    password = getpass.getpass("New password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")

    async def change(user: Any) -> str:
        ended = await set_password(user=user, password=password, by=None)
        return f"password of {user.username} set; {ended} session(s) ended"

    return _on_user(settings, args.username, change)


def cmd_visit_schedule(settings: Settings, args: argparse.Namespace) -> int:
    from server.services import scheduling

    async def work() -> int:
        made = await scheduling.schedule_from_cli(
            by=args.by, patient_id=args.patient, nurse=args.nurse, zone_name=settings.timezone, fields={
                "order_id": args.order, "date": args.date, "time": args.time, "count": args.count,
                "same_day": args.same_day,
                "repeat": "daily" if args.daily else "weekly" if args.every_weeks else "once",
                **({"every_weeks": args.every_weeks} if args.every_weeks else {})})
        for visit in made:
            print(f"visit {visit.id} scheduled at {visit.scheduled_at.isoformat()}")
        return 0

    return _guarded(settings, work)


def cmd_verify_audit(settings: Settings, args: argparse.Namespace) -> int:
    from server import audit

    async def work() -> int:
        result = await audit.verify(anchored=not args.without_anchor)
        if not result.ok:
            print(f"audit chain BROKEN at entry {result.broken_at}: {result.reason}")
            return 1
        anchored = f"; the checkpoint of {result.anchor.at} (entry {result.anchor.last_id}) matches" \
            if result.anchor else ""
        print(f"audit chain ok: {result.checked} entries verified{anchored}")
        if result.warning:
            print(f"WARNING: {result.warning}")
        return 0

    return _with_database(settings, work, checkpoint=False)  # verifying reads; it never moves the anchor


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.backup import BackupFailed, backup

    try:
        result = backup(settings.database_url, Path(args.path))
    except (BackupFailed, OSError) as exc:
        print(f"ivlog: backup failed, {args.path} left untouched: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {result.path}: {result.bytes} bytes in {result.seconds:.2f} s ({result.detail})")
    return 0


def _guarded(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    from server.errors import AppError

    try:
        return _with_database(settings, work)
    except AppError as exc:
        print(f"ivlog: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
