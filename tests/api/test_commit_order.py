"""server_seq follows commit order across real server processes (DESIGN section 5).

Two `python -m server serve` processes share one database (PostgreSQL in CI's second pass,
SQLite otherwise). Tablets push to both at once while a reader pages through pulls with a small
limit; a pull must never skip an event that committed late: the reader ends up with every
accepted event exactly once, in strictly increasing server_seq.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.api.events import one_event, push_body
from tests.databases import empty_database
from tests.processes import cli_env, free_port, run_cli, start_server, stop_server
from tests.server.test_cli import wait_until_serving

PASSWORD = "demo-password-order"
TABLETS, ROUNDS, PER_PUSH = 6, 6, 10


async def tablet_client(base: str) -> tuple[httpx.AsyncClient, uuid.UUID]:
    client = httpx.AsyncClient(base_url=base, headers={"origin": base}, timeout=60)
    device = uuid.uuid4()
    response = await client.post("/api/session", json={"username": "nurse", "password": PASSWORD, "device_id": str(device)})
    assert response.status_code == 200, response.text
    return client, device


async def push_rounds(client: httpx.AsyncClient, device: uuid.UUID, visits: list[str], accepted: set[str]) -> None:
    seq = 1
    for round_ in range(ROUNDS):
        events = [one_event(uuid.UUID(visits[(round_ + k) % len(visits)]), seq + k, "note", {"text": f"r{round_} k{k}"})
                  for k in range(PER_PUSH)]
        seq += PER_PUSH
        response = await client.post("/api/sync/push", json=push_body(device, events))
        assert response.status_code == 200, response.text
        accepted.update(r["id"] for r in response.json()["results"] if r["status"] == "accepted")


async def read_everything(client: httpx.AsyncClient, writers_done: asyncio.Event) -> list[dict]:
    seen, after = [], 0
    while True:
        finished = writers_done.is_set()
        page = (await client.get(f"/api/sync/pull?after={after}&limit=7")).json()
        seen += page["events"]
        after = page["next"]
        if finished and not page["more"]:
            return seen
        if not page["events"]:
            await asyncio.sleep(0.01)


async def test_pulls_never_skip_a_late_commit_across_two_server_processes(tmp_path):
    url, drop = await empty_database(tmp_path)
    env = cli_env(data_dir=tmp_path / "data", database_url=url, IVLOG_DEMO_PASSWORD=PASSWORD)
    assert run_cli("migrate", env=env).returncode == 0 and run_cli("demo", env=env).returncode == 0
    ports = [free_port(), free_port()]
    servers = [start_server(env=env, port=port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, server in zip(bases, servers):
            wait_until_serving(base, server)
        reader, _ = await tablet_client(bases[0])
        visits = [v["id"] for v in (await reader.get("/api/reference")).json()["visits"]]
        tablets = [await tablet_client(bases[n % 2]) for n in range(TABLETS)]
        accepted: set[str] = set()
        done = asyncio.Event()
        reading = asyncio.create_task(read_everything(reader, done))
        await asyncio.gather(*(push_rounds(client, device, visits, accepted) for client, device in tablets))
        done.set()
        pulled = await reading
        seqs = [event["server_seq"] for event in pulled]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)), "server_seq out of order or repeated"
        assert [e["id"] for e in pulled if e["id"] in accepted] == [e["id"] for e in pulled]
        assert {e["id"] for e in pulled} == accepted and len(accepted) == TABLETS * ROUNDS * PER_PUSH
        for client, _ in [*tablets, (reader, None)]:
            await client.aclose()
    finally:
        for server in servers:
            stop_server(server)
        await drop()
