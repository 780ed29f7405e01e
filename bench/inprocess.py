"""(a) one large push and (b) pulling it back, through HTTP against the ASGI app in this process.

In-process HTTP (httpx's ASGI transport) keeps the figures about the server's own work: the
same middleware, routes, sessions, validation, storage and projection as in production, with
no socket noise. The database is a real SQLite file, migrated by the project's own migrations.
Memory is this process's RSS, so it also counts the client's buffers: an upper bound.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import httpx

from bench import baseline, profiling
from bench.client import empty_pull_seconds, log_in, new_client, pull_all, push, push_body
from bench.clinical_events import visit_events
from bench.integrity import Integrity, check_database, check_pulled, check_results
from bench.metrics import RssSampler, Stopwatch, latency_summary
from bench.scale import Scale
from bench.world import World, seed
from server import runtime
from server.app import create_app
from server.db import schema
from server.settings import Settings
from sync.protocol import MAX_EVENTS

ORIGIN = "http://bench.local"
VISITS_PER_PATIENT = 5


@dataclass
class Setup:
    db: Path
    world: World
    client: httpx.AsyncClient
    device_id: uuid.UUID
    events: list[dict[str, Any]]


async def _migrated_world(db: Path, scale: Scale) -> World:
    url = f"sqlite://{db}"
    await schema.open_database(url)
    try:
        await schema.migrate(url)
        patients = max(1, scale.push_visits // VISITS_PER_PATIENT)
        return await seed(nurses=1, patients_per_nurse=patients, visits_per_patient=VISITS_PER_PATIENT)
    finally:
        await schema.close_database()


def _events_for(world: World, scale: Scale) -> list[dict[str, Any]]:
    """Every visit's events on one tablet, device_seq 1..N in recording order."""
    events: list[dict[str, Any]] = []
    for visit in world.visits[: scale.push_visits]:
        events += visit_events(visit_id=visit.visit_id, patient_id=visit.patient_id, order_id=visit.order_id,
                               started=visit.scheduled_at, first_seq=len(events) + 1, count=scale.events_per_visit)
    return events


@contextlib.asynccontextmanager
async def _served(workdir: Path, scale: Scale) -> AsyncIterator[Setup]:
    db = workdir / "ivlog.sqlite3"
    world = await _migrated_world(db, scale)
    settings = Settings(env="test", data_dir=workdir, database_url=f"sqlite://{db}", secret_key="b" * 48,
                        public_origin=ORIGIN)
    app = create_app(settings)
    runtime.tune_garbage_collector()  # as `python -m server serve` does
    logging.getLogger("ivlog.request").setLevel(logging.WARNING)  # keep the table readable
    async with app.router.lifespan_context(app):
        async with new_client(ORIGIN, transport=httpx.ASGITransport(app=app)) as client:
            device_id = uuid.uuid4()
            await log_in(client, world.nurses[0].username, device_id)
            yield Setup(db, world, client, device_id, _events_for(world, scale))


async def _oversized_status(setup: Setup) -> int:
    """What the server answers to the whole set in ONE push (DESIGN 5 caps a push at 5,000)."""
    response = await setup.client.post("/api/sync/push", content=push_body(setup.device_id, setup.events),
                                       headers={"content-type": "application/json"})
    return response.status_code


async def _measure_push(setup: Setup, scale: Scale, integrity: Integrity, sent: set[str]) -> dict[str, Any]:
    chunks = [setup.events[i:i + MAX_EVENTS] for i in range(0, len(setup.events), MAX_EVENTS)]
    bodies = [push_body(setup.device_id, chunk) for chunk in chunks]
    snapshot = setup.db.with_name("pre-push.sqlite3")
    baseline.snapshot(setup.db, snapshot)
    gc.collect()
    results: list[dict[str, Any]] = []
    with RssSampler() as memory, Stopwatch() as watch, profiling.maybe("push"):
        for body in bodies:
            results += (await push(setup.client, body))[1]["results"]
    check_results(integrity, results, sent)
    check_database(integrity, setup.db, sent)
    columns, rows = baseline.stored_events(setup.db)
    raw = baseline.raw_insert_seconds(snapshot, columns, rows, scale.repeats)
    return {"events": len(setup.events), "batches": len(bodies), "body_mb": round(sum(map(len, bodies)) / 2**20, 2),
            "seconds": round(watch.seconds, 3), "baseline_seconds": round(raw, 4),
            "ratio": round(watch.seconds / raw, 2), "events_per_s": round(len(setup.events) / watch.seconds),
            **memory.figures()}


async def _measure_pull(setup: Setup, scale: Scale, integrity: Integrity, sent: set[str]) -> dict[str, Any]:
    timings, pulled = [], []
    for attempt in range(scale.repeats):
        with Stopwatch() as watch, profiling.maybe("pull" if attempt == 0 else ""):
            pulled = await pull_all(setup.client, page=scale.pull_page)
        timings.append(watch.seconds)
    check_pulled(integrity, pulled, sent)
    raw, raw_count = baseline.raw_pull_seconds(setup.db, setup.world.organization_id, scale.pull_page, scale.repeats)
    if raw_count != len(pulled):
        integrity.problems.append(f"baseline pull read {raw_count} rows, the API {len(pulled)}")
    last = max(event["server_seq"] for event in pulled)
    empty = await empty_pull_seconds(setup.client, last, scale.empty_pulls)
    seconds = min(timings)
    return {"events": len(pulled), "page": scale.pull_page, "seconds": round(seconds, 3),
            "baseline_seconds": round(raw, 4), "ratio": round(seconds / raw, 2),
            "empty_pull": latency_summary(empty)}


async def run(workdir: Path, scale: Scale) -> dict[str, Any]:
    """Push every event (in as few pushes as the protocol allows), prove it stored once, pull it back."""
    async with _served(workdir, scale) as setup:
        sent = {event["id"] for event in setup.events}
        integrity = Integrity(sent=len(sent))
        single = await _oversized_status(setup) if len(setup.events) > MAX_EVENTS else None
        pushed = await _measure_push(setup, scale, integrity, sent)
        pushed["single_push_status"] = single
        pulled = await _measure_pull(setup, scale, integrity, sent)
        summary_pdf = await _measure_summary_pdf(setup)
        payer_proof = await _measure_payer_proof(setup)
    return {"push": pushed, "pull": pulled, "summary_pdf": summary_pdf, "payer_proof": payer_proof,
            "integrity": integrity.figures()}


async def _measure_summary_pdf(setup: Setup) -> dict[str, Any]:
    """(e) the physician's PDF of one pushed visit (100 entries, about 6 hours): the best of 3 renders,
    after one warm-up render that loads fonts and the stylesheet (as a running server has)."""
    from server.db.models import Visit
    from server.services import pdf
    from server.services.local_time import LocalTime
    from server.services.summary import build_summary

    visit = await Visit.get(id=setup.events[0]["visit_id"])
    entries = sum(1 for event in setup.events if event["visit_id"] == setup.events[0]["visit_id"])
    html = pdf.summary_html(await build_summary(visit, clock=LocalTime("UTC")))
    pdf.render_pdf(html)
    seconds = min(pdf.timed_render(html)[1] for _ in range(3))
    return {"entries": entries, "seconds": round(seconds, 3)}


async def _measure_payer_proof(setup: Setup) -> dict[str, Any]:
    """(e) one visit's share of the payer-proof export (100 entries): its summary folded, its vials and claim
    lines, its CSV rows; the best of 3. An export holds at most payer_export.MAX_VISITS such visits."""
    from server.db.models import Visit
    from server.services import payer_export, payer_proof
    from server.services.local_time import LocalTime
    from server.services.summary import build_summary

    visit = await Visit.get(id=setup.events[0]["visit_id"])
    timings = []
    for _ in range(3):
        with Stopwatch() as watch:
            summary = await build_summary(visit, clock=LocalTime("UTC"))
            payer_export.as_csv([payer_export.VisitProof(summary, payer_proof.claim_lines(summary))])
        timings.append(watch.seconds)
    return {"seconds": round(min(timings), 4), "max_visits": payer_export.MAX_VISITS}
