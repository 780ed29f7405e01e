"""The system under test: a database (SQLite file or a private PostgreSQL) and the real server.

The server is always the operator's command, `python -m server serve`, in its own process,
so `kill -9` is a real crash: no lifespan shutdown, no flush, no goodbye to the database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.world import World, seed
from server.db import schema
from stress.postgres import PrivateCluster

ROOT = Path(__file__).resolve().parent.parent


class CampaignBroken(RuntimeError):
    """The set-up failed (not a finding about durability): the campaign cannot go on."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Target:
    """One database and one server process on it, which may be killed and started again."""

    def __init__(self, db: str, workdir: Path | None = None) -> None:
        self.db = db
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="ivlog_stress_"))
        self.cluster = PrivateCluster() if db == "postgres" else None
        self.database_url = f"sqlite://{self.workdir / 'ivlog.sqlite3'}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = self.workdir / "server.log"
        self.start_seconds: list[float] = []

    @property
    def sqlite_file(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite://"))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IVLOG_")}
        env.update(IVLOG_DATA_DIR=str(self.workdir), IVLOG_ENV="development", IVLOG_SECRET_KEY="stress-" + "k" * 40,
                   IVLOG_DATABASE_URL=self.database_url, IVLOG_LOG_FORMAT="json",
                   # simulated tablets flush every 0.02-0.5 s, far beyond a nurse's pace: no push rate here
                   IVLOG_PUSH_BURST="1000000", IVLOG_PUSH_PER_MIN="1000000")
        return env

    async def prepare(self, *, nurses: int, visits_per_nurse: int) -> World:
        """Create the database, migrate it with the CLI and seed nurses, patients and visits."""
        if self.cluster is not None:
            await asyncio.to_thread(self.cluster.start)
            self.database_url = await self.cluster.create_database()
        self.cli("migrate")
        await schema.open_database(self.database_url)
        try:
            return await seed(nurses=nurses, patients_per_nurse=1, visits_per_patient=visits_per_nurse,
                              prefix="stress")
        finally:
            await schema.close_database()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=self.env(),
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0 and args[0] == "migrate":
            raise CampaignBroken(f"python -m server {' '.join(args)} failed: {done.stderr[-500:]}")
        return done

    async def start(self, timeout: float = 60.0) -> float:
        """Start the server and wait until /healthz answers; seconds from exec to ready."""
        started = time.perf_counter()
        with self.log.open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(self.port)],
                                            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as probe:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise CampaignBroken(f"the server exited ({self.process.returncode}): {self._log_tail()}")
                try:
                    if (await probe.get("/healthz")).status_code == 200:
                        seconds = time.perf_counter() - started
                        self.start_seconds.append(seconds)
                        return seconds
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise CampaignBroken(f"the server did not answer /healthz within {timeout:.0f} s")

    def kill9(self) -> None:
        """A crash: SIGKILL, no shutdown hooks run."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.process = None

    def close(self, *, keep: bool) -> None:
        """Stop everything; keep the work directory (server log, database) when something failed."""
        self.stop()
        if self.cluster is not None:
            self.cluster.stop()
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _log_tail(self) -> str:
        return self.log.read_text()[-800:] if self.log.exists() else ""
