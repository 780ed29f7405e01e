"""python -m stress crash [--db sqlite|postgres] [--cycles N] | backup [--db ...] [--writers N].

Prints the figures as JSON and exits 1 when any durability check failed (2: set-up failed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from stress import backup_run, crash
from stress.checks import Verdict
from stress.target import CampaignBroken


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stress", description="ivlog reliability campaigns")
    sub = parser.add_subparsers(dest="campaign", required=True)
    kill = sub.add_parser("crash", help="kill -9 the server (and restart PostgreSQL) while tablets push")
    kill.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    kill.add_argument("--cycles", type=int, default=50)
    kill.add_argument("--devices", type=int, default=8)
    kill.add_argument("--seed", type=int, help="replay a campaign's random choices")
    copy = sub.add_parser("backup", help="take a backup while writers push, restore it and compare")
    copy.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    copy.add_argument("--writers", type=int, default=50)
    copy.add_argument("--seconds", type=float, default=8.0, help="load before the backup starts")
    copy.add_argument("--history", type=int, default=100_000, help="events stored before the writers start")
    return parser


async def _run(args: argparse.Namespace) -> Verdict:
    if args.campaign == "crash":
        return await crash.run(crash.CrashPlan(db=args.db, cycles=args.cycles, devices=args.devices, seed=args.seed))
    return await backup_run.run(backup_run.BackupPlan(db=args.db, writers=args.writers, warm_up_s=args.seconds,
                                                       history=args.history))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        verdict = asyncio.run(_run(args))
    except CampaignBroken as error:
        print(f"stress: set-up failed: {error}", file=sys.stderr)
        return 2
    print(json.dumps(verdict.figures, indent=2, default=str))
    for problem in verdict.problems:
        print(f"FAILED: {problem}")
    print(f"{args.campaign} campaign ({args.db}): {'PASSED' if verdict.ok else 'FAILED'}")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
