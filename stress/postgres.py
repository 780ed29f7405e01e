"""A throwaway PostgreSQL cluster of our own, so restarting "the database" hurts nobody else.

The campaigns restart PostgreSQL with `-m immediate` (a crash, as far as clients can tell).
Doing that to the shared cluster on 127.0.0.1:5432 would break every other test run on the
machine, so a private cluster is initialised in a temporary directory, on a free port, with
the same major version and trust authentication, and removed afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise PostgresUnavailable("no /usr/lib/postgresql/*/bin/pg_ctl")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    """`start()`, `restart_immediate()`, `stop()`; `url(db)` for a database in it."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="ivlog_stress_pg_"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.database = f"ivlog_stress_{uuid.uuid4().hex[:10]}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self._pg_ctl("start")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                  "-o", options, *extra, action)

    def restart_immediate(self) -> float:
        """Crash-restart the postmaster (clients see their connections dropped); seconds taken."""
        started = time.perf_counter()
        self._pg_ctl("restart", "-m", "immediate")
        return time.perf_counter() - started

    def url(self, database: str | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database or self.database}"

    async def create_database(self) -> str:
        connection = await asyncpg.connect(self.url("postgres").replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await connection.close()
        return self.url()

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
