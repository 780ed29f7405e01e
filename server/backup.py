"""`python -m server backup PATH`: a consistent copy of a live database, taken without stopping it.

SQLite: the online backup API copies the file a few pages at a time with short sleeps, so the
server's writer is never starved. The source connection holds one read transaction for the
whole copy: in WAL mode that pins a snapshot, so the copy is consistent as of its start and the
backup never restarts because a writer committed in between (it would, page step after page
step, under a busy server). The copy goes to a temporary file beside PATH, is checked with
`PRAGMA integrity_check`, made durable and only then renamed over PATH: a crash mid-backup
never leaves a half-written file under the name an operator restores from.

PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot), checked with
`pg_restore --list`, then renamed the same way. Restore with `pg_restore --dbname=NEW PATH`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from server.db.config import is_sqlite, sqlite_path

PAGES_PER_STEP = 256  # 1 MiB at 4 KiB pages: one short step under the source's read snapshot
SLEEP_BETWEEN_STEPS_S = 0.002


class BackupFailed(RuntimeError):
    """The copy could not be made or did not verify; PATH is left untouched."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    seconds: float
    detail: str


def backup(database_url: str, target: Path) -> BackupResult:
    """Back up the database named by `database_url` to `target` (replaced atomically)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        if is_sqlite(database_url):
            detail = _sqlite_copy(sqlite_path(database_url), temp)
        else:
            detail = _pg_dump(database_url, temp)
        _fsync(temp)
        os.replace(temp, target)
        _fsync_dir(target.parent)
    finally:
        temp.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started, detail)


def _sqlite_copy(source_path: Path, temp: Path) -> str:
    if not source_path.exists():
        raise BackupFailed(f"no database file at {source_path}")
    source = sqlite3.connect(source_path, timeout=30, isolation_level=None)  # reads only
    copy = sqlite3.connect(temp, isolation_level=None)
    try:
        source.execute("BEGIN")  # one read snapshot for the whole copy (WAL: writers carry on)
        source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        source.backup(copy, pages=PAGES_PER_STEP, sleep=SLEEP_BETWEEN_STEPS_S)
        source.execute("COMMIT")
        verdict = copy.execute("PRAGMA integrity_check").fetchall()
        if verdict != [("ok",)]:
            raise BackupFailed(f"the copy failed integrity_check: {verdict[:3]}")
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        pages = copy.execute("PRAGMA page_count").fetchone()[0]
    finally:
        copy.close()
        source.close()
    return f"sqlite: {pages} pages, integrity_check ok"


def _pg_dump(database_url: str, temp: Path) -> str:
    url = database_url.replace("postgres://", "postgresql://", 1)
    dumped = subprocess.run(["pg_dump", "--format=custom", f"--file={temp}", f"--dbname={url}"],
                            capture_output=True, text=True)
    if dumped.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {dumped.stderr.strip()[-400:]}")
    listed = subprocess.run(["pg_restore", "--list", str(temp)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupFailed(f"pg_restore --list cannot read the dump: {listed.stderr.strip()[-400:]}")
    entries = sum(1 for line in listed.stdout.splitlines() if line and not line.startswith(";"))
    return f"postgres: pg_dump custom format, {entries} entries listed by pg_restore"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
