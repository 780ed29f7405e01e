"""Browser tests: the real server in a subprocess on a fresh database (SQLite, or PostgreSQL when
IVLOG_TEST_DATABASE_URL is set) and Debian's Chromium with a persistent profile, so IndexedDB and
the service worker survive a browser restart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.browser.demo_template import DemoTemplates
from tests.browser.live_server import LiveServer
from tests.processes import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
SETTLED = """quiet => new Promise(done => {
    let last = performance.now();
    const moved = () => { last = performance.now(); };
    addEventListener("scroll", moved, true);
    const frame = () => performance.now() - last > quiet
        ? (removeEventListener("scroll", moved, true), done()) : requestAnimationFrame(frame);
    requestAnimationFrame(frame);
})"""
QUIET_MS = 250


def _settle_around_full_page(screenshot: Callable[..., bytes]) -> Callable[..., bytes]:
    """A full-page screenshot resizes Chromium's viewport and restores it, and a scroll that focusing an
    input asked for lands at a later frame; headless Chromium draws a frame only when something asks for
    one, and the next to ask may be a click. Its mouse-down then hits the button and, the late scroll having
    moved the page, its mouse-up whatever is under the pointer now: the form is never submitted (seen in
    CI). Before and after the capture, frames are drawn until the page has not scrolled for a while."""

    def settled(page: Page, *args, **kwargs) -> bytes:
        if not kwargs.get("full_page"):
            return screenshot(page, *args, **kwargs)
        page.evaluate(SETTLED, QUIET_MS)
        image = screenshot(page, *args, **kwargs)
        page.evaluate(SETTLED, QUIET_MS)
        return image

    return settled


Page.screenshot = _settle_around_full_page(Page.screenshot)


def run_async(make_coroutine: Callable[[], object]) -> object:
    """Run a coroutine to completion in its own thread (Playwright's sync API owns this thread's loop)."""
    result: dict = {}

    def work() -> None:
        try:
            result["value"] = asyncio.run(make_coroutine())
        except BaseException as error:  # re-raised in the caller's thread
            result["error"] = error

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplates]:
    templates = DemoTemplates(tmp_path_factory.mktemp("demo-templates"))
    yield templates
    run_async(templates.drop_all)


@pytest.fixture
def server_factory(tmp_path: Path, demo_templates: DemoTemplates) -> Iterator[Callable[..., LiveServer]]:
    """`server_factory(**IVLOG_settings)`: a started server on its own copy of the demo database (migrated
    and loaded by `python -m server migrate` and `demo`, once per worker, day and settings)."""
    servers: list[LiveServer] = []
    drops = []

    def make(**settings: str) -> LiveServer:
        url, drop = run_async(lambda: demo_templates.copy_into(tmp_path, settings))
        drops.append(drop)
        server = LiveServer(workdir=tmp_path, database_url=url, **settings)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()
    for drop in drops:
        run_async(drop)


@pytest.fixture
def playwright() -> Iterator[Playwright]:
    """Per test: Playwright's sync API runs its own event loop in this thread, and while it runs
    no asyncio test can; a longer-lived fixture broke every async test that came after it."""
    with sync_playwright() as running:
        yield running


@pytest.fixture
def launch(playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., BrowserContext]]:
    """`launch()` opens Chromium on this test's profile directory; call it again after closing to restart.
    `extra_args` adds Chromium switches (e.g. a fake camera). A failed test leaves a full-page picture of each
    page still open (test-artifacts/FAILED-<test>-<n>.png): a flake in CI is then seen, not guessed at."""
    profile = tmp_path / "chromium-profile"
    opened: list[BrowserContext] = []

    def start(**options) -> BrowserContext:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + options.pop("extra_args", []),
            viewport=options.pop("viewport", {"width": 1280, "height": 800}), **options,
        )
        opened.append(context)
        return context

    yield start
    if getattr(request.node, "failed_call", False):
        _pictures_of_failure(opened, request.node.name)
    for context in opened:
        try:
            context.close()
        except Exception:  # already closed by the test
            pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Marks a test whose body failed, for `launch` to picture its pages before closing them."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.failed_call = True


def _pictures_of_failure(contexts: list[BrowserContext], name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pages = [page for context in contexts for page in context.pages]
    for number, page in enumerate(pages):
        path = ARTIFACTS / f"FAILED-{name}-{number}.png"
        try:
            page.screenshot(path=str(path), full_page=True, timeout=10_000)
            forms = page.evaluate("() => [...document.querySelectorAll('[data-testid^=\"form-\"]')].map((f) => f.dataset.testid)")
            print(f"picture of the failed test's page {page.url}: {path}; forms open: {forms}")
        except Exception as error:  # a page the test closed, or a browser that died: said, never hiding the failure
            print(f"no picture of {page.url}: {error}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
