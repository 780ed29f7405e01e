"""Debian's haproxy in front of two servers: the "two hosts behind a load balancer" deployment.

Two `serve` processes on two ports stand for two hosts sharing one PostgreSQL; haproxy
deals the tablets' connections round-robin between them, as an operator's balancer would.
When haproxy is not installed the storm says so in its report ("haproxy not present");
`make bench` installs it from Debian when it can.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from bench.client import BenchBroken

CONFIG = """global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend tablets
    bind 127.0.0.1:{port}
    default_backend ivlog
backend ivlog
    balance roundrobin
{servers}
"""


def haproxy() -> str | None:
    return shutil.which("haproxy")


def start(workdir: Path, port: int, backends: list[int]) -> subprocess.Popen:
    """haproxy in the foreground (`-db`), checked first so a bad configuration fails loudly."""
    binary = haproxy()
    if binary is None:
        raise BenchBroken("haproxy not present")
    servers = "\n".join(f"    server host{i} 127.0.0.1:{backend}" for i, backend in enumerate(backends, 1))
    config = workdir / "haproxy.cfg"
    config.write_text(CONFIG.format(port=port, servers=servers))
    checked = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        raise BenchBroken(f"haproxy refused its configuration: {checked.stderr[-500:]}")
    with (workdir / "haproxy.log").open("w") as log:
        process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.3)
    if process.poll() is not None:
        raise BenchBroken(f"haproxy exited ({process.returncode}): {(workdir / 'haproxy.log').read_text()[-500:]}")
    return process
