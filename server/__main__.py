"""The ivlog command line: python -m server {serve,migrate,demo,user,verify-audit,backup}."""

from __future__ import annotations

import argparse
import dataclasses
import os
import asyncio
import getpass
import sys
from typing import Awaitable, Callable

from server.db import schema
from server.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ivlog: configuration error: {exc}", file=sys.stderr)
        return 2
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
    sub.add_parser("verify-audit", help="verify the audit hash chain").set_defaults(func=cmd_verify_audit)
    backup = sub.add_parser("backup", help="copy the live database to PATH (consistent, verified, atomic)")
    backup.add_argument("path", help="the backup file (SQLite file, or a pg_dump custom-format archive)")
    backup.set_defaults(func=cmd_backup)
    return parser


def _with_database(settings: Settings, work: Callable[[], Awaitable[int]], *, ready: bool = True) -> int:
    async def run() -> int:
        await schema.open_database(settings.database_url)
        try:
            if ready:
                await schema.check_ready(settings.database_url)
            return await work()
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


def cmd_user_disable(settings: Settings, args: argparse.Namespace) -> int:
    from server.db.models import User
    from server.services.users import set_active

    async def work() -> int:
        user = await User.get_or_none(username=args.username.lower())
        if user is None:
            print(f"ivlog: no user {args.username!r}", file=sys.stderr)
            return 1
        await set_active(user=user, active=False, by=None)
        print(f"user {user.username} disabled; their sessions are ended")
        return 0

    return _guarded(settings, work)


def cmd_verify_audit(settings: Settings, args: argparse.Namespace) -> int:
    from server import audit

    async def work() -> int:
        result = await audit.verify()
        if result.ok:
            print(f"audit chain ok: {result.checked} entries verified")
            return 0
        print(f"audit chain BROKEN at entry {result.broken_at}: {result.reason}")
        return 1

    return _with_database(settings, work)


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
