"""The tablet's targets (DESIGN section 7), measured in Debian's Chromium against the real server.

- shell size: the files the service worker precaches as the server serves them (minified), uncompressed
  (target <= 150 KB), with the app's own files and the clinical rules apart, the readable source for
  comparison, and gzip-compressed for reference;
- offline cold start: the server process stopped and the browser restarted, from navigation to the
  PIN screen, and from the last PIN digit to an interactive visit screen (target <= 1 s together;
  the PIN derivation, PBKDF2 with 600,000 iterations, is inside it on purpose);
- one entry saved, encrypted, with its outbox row: p95 over 50 saves (target <= 50 ms);
- the queue of a long visit (>= 100 entries) sent when the server is back: requests and time.

`run()` returns the figures and prints nothing.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "pwa"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "bench-demo-password-123"
PIN = "482916"
SAVES = 50
LONG_VISIT = 110
TARGETS = {"shell_kb": 150, "cold_start_ms": 1000, "save_p95_ms": 50}


def _is_rules(path: Path) -> bool:
    return path.name == "rules.js" or path.parent.name == "rules"


def _on_demand(path: Path) -> bool:
    """Code loaded by import() when a nurse asks for it (the camera's barcode reader): precached for
    offline use, never part of a cold start, so outside the 150 KB shell (reported as `on_demand_kb`)."""
    return path.relative_to(PWA).parts[0] in ("lazy", "vendor")


def _kb(sizes: dict[Path, int], which=lambda path: True) -> float:
    return round(sum(size for path, size in sizes.items() if which(path)) / 1024, 1)


def shell_size() -> dict[str, Any]:
    """The files the service worker precaches (and sw.js itself), as the server serves them (minified,
    server/routes/pwa.py) against the source; `kb` (served, uncompressed) is the one held to 150 KB."""
    from server.routes.pwa import served

    listed = json.loads(re.sub(r",\s*\]", "]", re.search(r"const SHELL = (\[[^\]]*\]);", (PWA / "sw.js").read_text()).group(1)))
    paths = [PWA / url.removeprefix("/app/") for url in listed] + [PWA / "sw.js"]
    bodies = {path: served(path).body for path in paths}
    source = {path: path.stat().st_size for path in paths}
    sizes = {path: len(body) for path, body in bodies.items()}
    on_demand = {path: size for path, size in sizes.items() if _on_demand(path)}
    sizes = {path: size for path, size in sizes.items() if not _on_demand(path)}
    source = {path: size for path, size in source.items() if not _on_demand(path)}
    bodies = {path: body for path, body in bodies.items() if not _on_demand(path)}
    not_rules = lambda path: not _is_rules(path)  # noqa: E731
    return {
        "files": len(paths), "bytes": sum(sizes.values()), "kb": _kb(sizes), "app_kb": _kb(sizes, not_rules),
        "on_demand_kb": _kb(on_demand),
        "rules_kb": _kb(sizes, _is_rules), "gzip_kb": round(sum(len(gzip.compress(b)) for b in bodies.values()) / 1024, 1),
        "source_kb": _kb(source), "source_app_kb": _kb(source, not_rules), "source_rules_kb": _kb(source, _is_rules),
    }


class Server:
    def __init__(self, workdir: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("IVLOG_")}
        self.env.update(IVLOG_DATA_DIR=str(workdir), IVLOG_ENV="development", IVLOG_DEMO_PASSWORD=PASSWORD,
                        IVLOG_SECRET_KEY="bench-pwa-" + "k" * 40, IVLOG_TABLET_LOCK_MIN="600")
        self.log = workdir / "server.log"
        self.process: subprocess.Popen | None = None
        for command in ("migrate", "demo"):
            subprocess.run([sys.executable, "-m", "server", command], cwd=ROOT, env=self.env, check=True,
                           capture_output=True, timeout=120)

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(self.port)], cwd=ROOT,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/app/manifest.webmanifest", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None

    def pushes(self) -> int:
        return self.log.read_text().count("route=/api/sync/push")


def _launch(playwright, profile: Path):
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 800})


def _type_pin(page) -> None:
    for digit in PIN:
        page.get_by_test_id(f"key-{digit}").click()


def _set_up(playwright, server: Server, profile: Path) -> str:
    """First online login, PIN, shell cached; returns the id of a visit to work on."""
    context = _launch(playwright, profile)
    page = context.pages[0]
    page.goto(server.base_url + "/app/")
    page.get_by_test_id("username").fill("nurse")
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login").click()
    page.get_by_test_id("pin-set").wait_for()
    _type_pin(page)
    page.get_by_text("Enter the same PIN again").wait_for()
    _type_pin(page)
    page.get_by_test_id("today").wait_for(timeout=20_000)
    page.evaluate("navigator.serviceWorker.ready")
    visit_id = page.get_by_test_id("visit-card").first.get_attribute("data-visit-id")
    context.close()
    return visit_id


def _cold_start(playwright, server: Server, profile: Path, visit_id: str):
    """Server stopped, browser restarted: navigation -> PIN screen -> visit screen."""
    context = _launch(playwright, profile)
    page = context.pages[0]
    page.goto(f"{server.base_url}/app/#/visit/{visit_id}")
    page.get_by_test_id("pin-unlock").wait_for()
    _type_pin(page)
    page.get_by_test_id("visit").wait_for(timeout=20_000)
    marks = page.evaluate("Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]))")
    to_pin = marks["ivlog:entry-ready"]
    unlock = marks["ivlog:visit-ready"] - marks["ivlog:pin-entered"]
    figures = {"to_pin_screen_ms": round(to_pin), "unlock_to_visit_ms": round(unlock), "total_ms": round(to_pin + unlock)}
    return context, page, figures


SAVE_ONE = """async ([visitId, i]) => {
  const started = performance.now();
  await window.ivlogProbe.save({visitId, kind: "vitals", payload: {hr: 70 + (i % 20), sbp: 120, dbp: 78, temp_c: 36.8}});
  return performance.now() - started;
}"""


def _saves(page, visit_id: str) -> dict[str, Any]:
    times = [page.evaluate(SAVE_ONE, [visit_id, i]) for i in range(SAVES)]
    ordered = sorted(times)
    return {"n": SAVES, "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "max_ms": round(ordered[-1], 1)}


def _long_visit_sync(page, server: Server, visit_id: str) -> dict[str, Any]:
    for i in range(LONG_VISIT - SAVES):
        page.evaluate(SAVE_ONE, [visit_id, i])
    queued = len(page.evaluate("window.ivlogProbe.pendingIds()"))
    server.start()
    before = server.pushes()
    started = time.monotonic()
    left = queued
    for _ in range(5):  # a retry already under way when the server came back may finish first
        page.evaluate("window.ivlogProbe.syncNow()")
        left = len(page.evaluate("window.ivlogProbe.pendingIds()"))
        if left == 0:
            break
    return {"entries": queued, "push_requests": server.pushes() - before, "left_unsynced": left,
            "seconds": round(time.monotonic() - started, 2)}


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, Any] = {"shell": shell_size(), "targets": TARGETS}
    with tempfile.TemporaryDirectory(prefix="ivlog-bench-pwa-") as workdir, sync_playwright() as playwright:
        server = Server(Path(workdir))
        server.start()
        profile = Path(workdir) / "profile"
        try:
            visit_id = _set_up(playwright, server, profile)
            server.stop()
            context, page, figures["cold_start"] = _cold_start(playwright, server, profile, visit_id)
            page.get_by_test_id("start-visit").click()
            if page.evaluate("() => document.querySelector('[data-testid=start-visit]')?.textContent") == "Start anyway":
                page.get_by_test_id("start-visit").click()  # a visit of another day (the bench run near midnight)
            page.get_by_test_id("action-vitals").wait_for()
            figures["save"] = _saves(page, visit_id)
            figures["long_visit_sync"] = _long_visit_sync(page, server, visit_id)
            context.close()
        finally:
            server.stop()
    figures["verdicts"] = {
        "shell": figures["shell"]["kb"] <= TARGETS["shell_kb"],
        "cold_start": figures["cold_start"]["total_ms"] <= TARGETS["cold_start_ms"],
        "save_p95": figures["save"]["p95_ms"] <= TARGETS["save_p95_ms"],
        "long_visit_in_one_request": figures["long_visit_sync"]["push_requests"] == 1,
    }
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
