"""Issue 19's "today": the storm at one event per push on one process, run in the same bench run on
the code of the issue's filing and on today's, in alternating rounds, so the 2x target is a ratio
of figures from one machine state.

A stored figure cannot serve: the shared machine's speed swings within minutes (the same push
storm took 0.55 s of server CPU in one run and 0.89 s in the next), and a baseline recorded under
load once let the ratio read 15x. The code of the filing (`THEN`) is exported from git into the
run's work directory with today's `bench/` copied over it; each round is `python -m bench` restricted
to that one storm, in that tree or in today's, with its own database migrated by that code, the same
load generator and the same events. Rounds run then, today, today, then (full size; a drift over the
run weighs on both alike) and the ratio is today's events over the filing's, summed. Without git or
the commit (a shallow clone) the report says so; it never falls back to a stored number.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
THEN = "973a01e"  # main when issue 19 was filed (2026-12-05)
TODAY = "today"
DEPLOYMENT, PER_PUSH = "1 process", 1


def export(destination: Path) -> Path | str:
    """THEN's tree with today's bench in it, or why it cannot be had."""
    if shutil.which("git") is None:
        return "git not present"
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", THEN], capture_output=True)
    if archive.returncode != 0:
        return f"commit {THEN} not in this clone: {archive.stderr.decode(errors='replace').strip()[:200]}"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tree:
        tree.extractall(destination, filter="data")
    shutil.rmtree(destination / "bench")
    shutil.copytree(ROOT / "bench", destination / "bench",
                    ignore=shutil.ignore_patterns("node_modules", "results", "__pycache__"))
    return destination


def _round(tree: Path, output: Path, quick: bool, timeout_s: float) -> dict[str, Any] | str:
    """One restricted storm on the code in `tree`: its run's figures, or why it failed."""
    command = [sys.executable, "-m", "bench", *(["--quick"] if quick else []), "--only", "storm",
               "--storm-deployment", DEPLOYMENT, "--storm-per-push", str(PER_PUSH), "--storm-events", "filing",
               "--output", str(output)]
    done = subprocess.run(command, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True,
                          text=True, timeout=timeout_s)
    if done.returncode != 0 or not output.exists():
        return f"the storm failed: {(done.stdout + done.stderr)[-600:]}"
    storm = json.loads(output.read_text())["figures"]["storm"]
    if "unavailable" in storm:
        return storm["unavailable"]
    return {**storm["runs"][0], "exactly_once": storm["integrity"]["exactly_once"]}


def run(workdir: Path, quick: bool, timeout_s: float) -> dict[str, Any]:
    """{commit, rounds: [{code, ...a storm run's figures}], ratio} or {commit, unavailable}."""
    tree = export(workdir / "then")
    if isinstance(tree, str):
        return {"commit": THEN, "unavailable": tree}
    order = [THEN, TODAY] if quick else [THEN, TODAY, TODAY, THEN]
    rounds = []
    for number, code in enumerate(order):
        figures = _round(tree if code == THEN else ROOT, workdir / f"round-{number}.json", quick, timeout_s)
        if isinstance(figures, str):
            return {"commit": THEN, "unavailable": f"{code}: {figures}"}
        rounds.append({"code": code, **figures})
    total = {code: sum(r["events"] for r in rounds if r["code"] == code) /
             sum(r["wall_seconds"] for r in rounds if r["code"] == code) for code in (THEN, TODAY)}
    return {"commit": THEN, "rounds": rounds, "events_per_s": {code: round(v, 1) for code, v in total.items()},
            "ratio": round(total[TODAY] / total[THEN], 3)}
