"""Issue 19's "today": the storm at one event per push on one process, run in the same bench run on
the code of the issue's filing, so the 2x target is a ratio of two figures from one machine state.

A stored figure cannot serve: the shared machine's speed swings by 3x within an hour (the Python
loop timed 131 to 370 ms), and a baseline recorded under load let the ratio read 15x. The code
of the filing (`THEN`) is exported from git into the run's work directory with today's `bench/`
copied over it, and that bench measures it there as `python -m bench` measures today's code: the
same storm, the same load generator, its own database migrated by that code. Without git or the
commit (a shallow clone) the report says so; it never falls back to a stored number.
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


def run(workdir: Path, quick: bool, timeout_s: float) -> dict[str, Any]:
    """{commit, run: the storm's figures as bench.storm reports a run} or {commit, unavailable}."""
    tree = export(workdir / "then")
    if isinstance(tree, str):
        return {"commit": THEN, "unavailable": tree}
    output = workdir / "then.json"
    command = [sys.executable, "-m", "bench", *(["--quick"] if quick else []), "--only", "storm",
               "--storm-deployment", DEPLOYMENT, "--storm-per-push", str(PER_PUSH), "--output", str(output)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0 or not output.exists():
        return {"commit": THEN, "unavailable": f"the storm on {THEN} failed: {(done.stdout + done.stderr)[-600:]}"}
    storm = json.loads(output.read_text())["figures"]["storm"]
    if "unavailable" in storm:
        return {"commit": THEN, "unavailable": storm["unavailable"]}
    return {"commit": THEN, "run": storm["runs"][0], "exactly_once": storm["integrity"]["exactly_once"]}
