"""The two engines behind their public entry points, and the comparison of their answers.

Python: `VisitContext.from_dict` + `fold_timeline(...).to_dict()` (server.clinical), in this process.
JavaScript: `makeContext` + `foldTimeline` (pwa/rules.js), in ONE Node process for all cases
(run_js.mjs), started before the Python folds so both run at once on a two-core machine.
Answers are compared as JSON: numbers by value (70 equals 70.0), booleans only equal booleans.
"""

from __future__ import annotations

import json
import subprocess
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from server.clinical import VisitContext, fold_timeline, load_products, load_rules

RUNNER = Path(__file__).with_name("run_js.mjs")
ROOT = RUNNER.parents[2]
_CATALOG, _RULEBOOK = load_products(), load_rules()


def fold_python(case: dict[str, Any]) -> dict[str, Any]:
    """The server's answer (its state as JSON), or the class of the error it raised."""
    try:
        context = VisitContext.from_dict(case["context"], catalog=_CATALOG, rulebook=_RULEBOOK)
        now = None if case["now"] is None else datetime.fromisoformat(case["now"])
        return {"state": json.loads(json.dumps(fold_timeline(case["events"], context=context, now=now).to_dict()))}
    except (ValueError, KeyError, TypeError) as error:  # a refused order or log: the tablet must refuse it too
        return {"error": f"{type(error).__name__}: {error}"}


class NodeRun:
    """The tablet's engine folding `lines` (JSON cases) in a background Node process."""

    def __init__(self, lines: list[str]) -> None:
        self._process = subprocess.Popen(["node", str(RUNNER)], cwd=ROOT, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._result: tuple[str, str] = ("", "")
        self._thread = threading.Thread(target=self._talk, args=("\n".join(lines) + "\n",), daemon=True)
        self._thread.start()

    def _talk(self, text: str) -> None:
        self._result = self._process.communicate(text)

    def answers(self) -> list[dict[str, Any]]:
        self._thread.join()
        out, err = self._result
        if self._process.returncode != 0:
            raise RuntimeError(f"run_js.mjs failed ({self._process.returncode}): {err[-2000:]}")
        return [json.loads(line) for line in out.splitlines() if line.strip()]


def fold_js(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answers = NodeRun([json.dumps(case) for case in cases]).answers()
    return [{key: found[key] for key in ("state", "error") if key in found} for found in answers]


def differences(python: Any, js: Any, path: str = "$") -> Iterator[str]:
    """Every place where the two answers differ, as "path: python != js". Two refusals agree (their
    messages are each language's own)."""
    if path == "$" and "error" in python and "error" in js:
        return
    if isinstance(python, dict) and isinstance(js, dict):
        for key in sorted(set(python) | set(js)):
            if key not in python or key not in js:
                side = "python" if key not in js else "js"
                yield f"{path}.{key}: only in {side}"
            else:
                yield from differences(python[key], js[key], f"{path}.{key}")
    elif isinstance(python, list) and isinstance(js, list) and len(python) == len(js):
        for index, (left, right) in enumerate(zip(python, js)):
            yield from differences(left, right, f"{path}[{index}]")
    elif not _same_scalar(python, js):
        yield f"{path}: python {json.dumps(python)} != js {json.dumps(js)}"


def _same_scalar(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right
