"""The two engines behind their public entry points, and the comparison of their answers.

Python: `VisitContext.from_dict` + `fold_timeline(...).to_dict()` (server.clinical), in this process.
JavaScript: `makeContext` + `foldTimeline` (pwa/rules.js), in ONE Node process for all cases
(run_js.mjs), started before the Python folds so both run at once on a two-core machine.
Answers are compared as JSON: numbers by value (70 equals 70.0), booleans only equal booleans.
"""

from __future__ import annotations

import json
import queue
import subprocess
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from server.clinical import VisitContext, fold_timeline, load_products, load_rules

RUNNER = Path(__file__).with_name("run_js.mjs")
ROOT = RUNNER.parents[2]
_CATALOG, _RULEBOOK = load_products(), load_rules()


def fold_python(case: dict[str, Any]) -> dict[str, Any]:
    """The server's answer (its state as JSON), or the class of the error it raised."""
    try:
        context = VisitContext.from_dict(case["context"], catalog=_CATALOG, rulebook=_RULEBOOK)
        now = None if case["now"] is None else datetime.fromisoformat(case["now"])
        return {"state": fold_timeline(case["events"], context=context, now=now).to_dict()}
    except (ValueError, KeyError, TypeError) as error:  # a refused order or log: the tablet must refuse it too
        return {"error": f"{type(error).__name__}: {error}"}


def fold_js(cases: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(case, the tablet's answer) for each case, streamed: one Node process reads the cases while this
    process folds the answers already out, and a bounded queue keeps ten thousand visits out of memory."""
    with tempfile.TemporaryFile("w+") as errors, subprocess.Popen(
            ["node", str(RUNNER)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
            text=True) as node:
        sent: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=400)
        failures: list[BaseException] = []
        writer = threading.Thread(target=_send, args=(node, cases, sent, failures), daemon=True)
        writer.start()
        assert node.stdout is not None
        for line in node.stdout:
            if failures:  # the cases could not be drawn or sent: that error, not a half-read line
                raise failures[0]
            found = json.loads(line)
            yield sent.get_nowait(), {key: found[key] for key in ("state", "error") if key in found}
        writer.join()
        if failures:
            raise failures[0]
        if node.wait() != 0 or not sent.empty():
            errors.seek(0)
            raise RuntimeError(f"run_js.mjs failed ({node.returncode}): {errors.read()[-2000:]}")


def _send(node: subprocess.Popen[str], cases: Iterable[dict[str, Any]], sent: queue.Queue[dict[str, Any]],
          failures: list[BaseException]) -> None:
    assert node.stdin is not None
    try:
        for case in cases:
            sent.put(case)
            node.stdin.write(json.dumps(case) + "\n")
        node.stdin.close()
    except BaseException as error:  # noqa: BLE001 - handed to the reading thread, which raises it
        failures.append(error)
        node.kill()


def same(python: Any, js: Any) -> bool:
    """The answers agree: what `differences` checks, fast (most cases agree; a tuple is a JSON list)."""
    kind = type(python)
    if kind is dict:
        return type(js) is dict and python.keys() == js.keys() and all(same(python[k], js[k]) for k in python)
    if kind is list or kind is tuple:
        return type(js) is list and len(python) == len(js) and all(map(same, python, js))
    if kind is bool or type(js) is bool:
        return python is js
    return python == js and (kind is str) == (type(js) is str)


def differences(python: Any, js: Any, path: str = "$") -> Iterator[str]:
    """Every place where the two answers differ, as "path: python != js". Two refusals agree (their
    messages are each language's own)."""
    if path == "$" and "error" in python and "error" in js:
        return
    python = json.loads(json.dumps(python)) if path == "$" else python
    if isinstance(python, dict) and isinstance(js, dict):
        for key in sorted(set(python) | set(js)):
            if key not in python or key not in js:
                side = "python" if key not in js else "js"
                yield f"{path}.{key}: only in {side}"
            else:
                yield from differences(python[key], js[key], f"{path}.{key}")
    elif _keyed(python) and _keyed(js) and [a["id"] for a in python] != [a["id"] for a in js]:
        ours, theirs = [a["id"] for a in python], [a["id"] for a in js]
        yield (f"{path}: ids only in python {[i for i in ours if i not in theirs]}, only in js "
               f"{[i for i in theirs if i not in ours]}; python order {ours}, js order {theirs}")
    elif isinstance(python, list) and isinstance(js, list) and len(python) == len(js):
        for index, (left, right) in enumerate(zip(python, js)):
            yield from differences(left, right, f"{path}[{index}]")
    elif not _same_scalar(python, js):
        yield f"{path}: python {json.dumps(python)} != js {json.dumps(js)}"


def _keyed(value: Any) -> bool:
    """A list of objects with ids (alerts): compared by id first, so a report names the alert."""
    return isinstance(value, list) and bool(value) and all(isinstance(a, dict) and "id" in a for a in value)


def _same_scalar(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right
