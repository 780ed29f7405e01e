"""The deployments the storm is measured on, all on one PostgreSQL database.

- "1 process": one `python -m server serve`;
- "2 processes": one `serve --workers 2` (the operator's way: the kernel deals connections);
- "2 hosts + haproxy": two `serve` on two ports (two hosts) behind Debian's haproxy.

Every server is the operator's command in its own process. The tablets' address (the
balancer's, for the last one) is the servers' public origin, as it would be in production.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench import balancer
from bench.load import ROOT, _env, _free_port, _stop, _wait_ready

ONE, TWO, HOSTS = "1 process", "2 processes", "2 hosts + haproxy"
TOPOLOGIES = (ONE, TWO, HOSTS)
START_TIMEOUT_S = 300.0  # a server starts in seconds; on a shared machine under load it has taken over a minute


@dataclass
class Deployment:
    base_url: str  # where the tablets connect
    server_pids: list[int]


def server_env(workdir: Path, database_url: str, origin: str) -> dict[str, str]:
    env = _env(workdir)
    env.update(IVLOG_DATABASE_URL=database_url, IVLOG_PUBLIC_ORIGIN=origin)
    return env


def _serve(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    with log.open("w") as log_file:
        command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--workers", str(workers)]
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)


def plan(topology: str) -> list[int]:
    """Worker processes per server: one entry per host."""
    return {ONE: [1], TWO: [2], HOSTS: [1, 1]}[topology]


@contextlib.asynccontextmanager
async def deployed(topology: str, workdir: Path, database_url: str) -> AsyncIterator[Deployment]:
    """Start the servers (and the balancer), wait until they answer, stop them all afterwards."""
    hosts = plan(topology)
    ports = [_free_port() for _ in hosts]
    front = _free_port() if topology == HOSTS else ports[0]
    base_url = f"http://127.0.0.1:{front}"
    env = server_env(workdir, database_url, base_url)
    processes: list[subprocess.Popen] = []
    try:
        for index, (port, workers) in enumerate(zip(ports, hosts)):
            log = workdir / f"server-{topology.replace(' ', '_')}-{index}.log"
            processes.append(_serve(env, port, workers, log))
            await _wait_ready(f"http://127.0.0.1:{port}", processes[-1], log, timeout=START_TIMEOUT_S)
        if topology == HOSTS:
            processes.append(balancer.start(workdir, front, ports))
            await _wait_ready(base_url, processes[-1], workdir / "haproxy.log", timeout=START_TIMEOUT_S)
        yield Deployment(base_url, [process.pid for process in processes[: len(hosts)]])
    finally:
        for process in reversed(processes):
            _stop(process)
