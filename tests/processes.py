"""Running the real CLI as a subprocess, as an operator would.

Everything a server process writes (under systemd, stdout and stderr both end up in the
journal) goes to the PHI sentinel sweep (tests/phi_sentinel.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.phi_sentinel import scan_output

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(*, data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVLOG_")}
    env.update({"IVLOG_DATA_DIR": str(data_dir), "IVLOG_ENV": "development", **extra})
    if database_url:
        env["IVLOG_DATABASE_URL"] = database_url
    return env


def run_cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=ROOT, env=env, input=stdin,
        capture_output=True, text=True, timeout=120,
    )
    command = f"`python -m server {args[0] if args else ''}`"
    scan_output(f"stdout of {command}", done.stdout)  # under systemd, stdout is a log too
    scan_output(f"stderr of {command}", done.stderr)
    return done


def start_server(*, env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop_server(process: subprocess.Popen) -> str:
    """Stop it and return what it wrote to stderr (its pipes are closed too)."""
    process.terminate()
    try:
        stdout, stderr = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    scan_output("stdout of a server process", stdout)
    scan_output("stderr of a server process", stderr)
    return stderr
