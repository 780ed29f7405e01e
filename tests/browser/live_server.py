"""The real ivlog server as a subprocess on a fixed port, stoppable and restartable on the same database.

Its output goes to a log file (a pipe would fill up and block a server that logs every request).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.processes import ROOT, cli_env, free_port, run_cli

DEMO_PASSWORD = "demo-password-for-browser-tests"


class LiveServer:
    def __init__(self, *, workdir: Path, database_url: str, **settings: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = cli_env(data_dir=workdir, database_url=database_url, IVLOG_DEMO_PASSWORD=DEMO_PASSWORD,
                           IVLOG_SECRET_KEY="browser-tests-" + "k" * 40, **settings)
        self.process: subprocess.Popen | None = None
        self.log = workdir / "server.log"

    def prepare(self) -> None:
        for command in ("migrate", "demo"):
            done = run_cli(command, env=self.env)
            assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        assert self.process is None, "already running"
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--port", str(self.port)], cwd=ROOT, env=self.env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/app/manifest.webmanifest", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError("the server did not start within 30 s")

    def stop(self) -> None:
        """Terminate the process (not merely go offline): nothing answers on the port afterwards."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
