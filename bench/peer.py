"""The peer: the same events replicated by PouchDB into a CouchDB-protocol server, timed in the same run.

ivlog's push is compared with the nearest off-the-shelf design, a CouchDB-style replication:
10,000 documents shaped exactly like the storm's events (the same generator, the same sizes,
the event id as `_id`) are loaded into an in-memory PouchDB on the "tablet" and replicated
once, with PouchDB's defaults, to express-pouchdb (LevelDB on disk) in its own Node process.
bench/peer/ holds the two bench-only npm packages; `make bench` installs them. Without Node
or without them the report says "not installed", never a silent skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.client import BenchBroken
from bench.clinical_events import visit_events
from bench.storm import StormScale

PEER = Path(__file__).resolve().parent / "peer"
NOT_INSTALLED = "PouchDB peer not installed: run `make bench` (npm ci in bench/peer)"


def documents(scale: StormScale) -> list[dict[str, Any]]:
    """The storm's events (one visit in progress per tablet) as CouchDB documents."""
    started = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    docs = []
    for tablet in range(scale.tablets):
        for event in visit_events(visit_id=uuid.uuid4(), patient_id=tablet + 1, order_id=tablet + 1, started=started,
                                  first_seq=1, count=scale.events_per_tablet):
            docs.append({"_id": event.pop("id"), **event})
    return docs


def missing() -> str | None:
    if shutil.which("node") is None:
        return "PouchDB peer not installed: node not present"
    if not (PEER / "node_modules" / "pouchdb").is_dir() or not (PEER / "node_modules" / "express-pouchdb").is_dir():
        return NOT_INSTALLED
    return None


def _serve(workdir: Path) -> tuple[subprocess.Popen, int]:
    store = workdir / "couch"
    store.mkdir()
    server = subprocess.Popen(["node", "peer.mjs", "serve", str(store)], cwd=PEER, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline() if server.stdout else ""
    if not line.startswith("listening "):
        server.kill()
        raise BenchBroken(f"the PouchDB server did not start: {line}{server.communicate(timeout=10)[0][-500:]}")
    return server, int(line.split()[1])


def _replicate(port: int, docs_file: Path, timeout: float) -> dict[str, Any]:
    done = subprocess.run(["node", "peer.mjs", "replicate", f"http://127.0.0.1:{port}/bench", str(docs_file)],
                          cwd=PEER, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise BenchBroken(f"PouchDB replication failed: {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(workdir: Path, scale: StormScale) -> dict[str, Any]:
    """Replicate the documents once and check the server holds every one of them."""
    reason = missing()
    if reason:
        return {"unavailable": reason}
    docs = documents(scale)
    docs_file = workdir / "docs.json"
    docs_file.write_text(json.dumps(docs))
    server, port = _serve(workdir)
    try:
        result = _replicate(port, docs_file, scale.timeout_s)
    finally:
        server.terminate()
        server.communicate(timeout=15)
    if result["docs_written"] != len(docs) or result["remote_doc_count"] != len(docs):
        raise BenchBroken(f"PouchDB replicated {result['docs_written']} of {len(docs)} documents: {result}")
    return {"documents": len(docs), "bytes": docs_file.stat().st_size, "seconds": round(result["seconds"], 3),
            "docs_per_s": round(len(docs) / result["seconds"], 1), "server": "express-pouchdb 4.2.0, LevelDB",
            "replicator": "pouchdb 9.0.0, memory adapter, default batches of 100"}
