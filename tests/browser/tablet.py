"""The nurse's tablet as a test drives it: log in, PIN, open a visit, fill entry forms by field name,
and read what the app keeps in IndexedDB (ids and ciphertext only, as the tests prove)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

PIN = "482916"

DUMP_INDEXEDDB = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open("ivlog"); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const bytes = (v) => Array.from(v, (b) => String.fromCharCode(b)).join("");
  const plain = (v) => v instanceof Uint8Array ? bytes(v) : v instanceof ArrayBuffer ? bytes(new Uint8Array(v))
    : Array.isArray(v) ? v.map(plain) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
  const out = {};
  for (const name of db.objectStoreNames) {
    out[name] = await new Promise((ok, fail) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(plain(r.result)); r.onerror = () => fail(r.error); });
  }
  db.close();
  return out;
}"""


class Tablet:
    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.page: Page = context.pages[0] if context.pages else context.new_page()
        self.errors: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)

    def open(self, path: str = "/app/") -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("html[data-ready=true]")

    def tid(self, testid: str):
        return self.page.get_by_test_id(testid)

    def login(self, username: str, password: str) -> None:
        self.tid("username").fill(username)
        self.tid("password").fill(password)
        expect(self.tid("username")).to_have_value(username)
        expect(self.tid("password")).to_have_value(password)
        self.tid("login").click()

    def type_pin(self, pin: str = PIN) -> None:
        for digit in pin:
            self.tid(f"key-{digit}").click()

    def set_pin(self, pin: str = PIN) -> None:
        expect(self.tid("pin-set")).to_be_visible(timeout=15_000)
        self.type_pin(pin)
        expect(self.page.get_by_text("Enter the same PIN again")).to_be_visible()
        self.type_pin(pin)

    def unlock(self, pin: str = PIN) -> None:
        expect(self.tid("pin-unlock")).to_be_visible(timeout=15_000)
        self.type_pin(pin)
        expect(self.tid("pin-unlock")).to_be_hidden(timeout=15_000)

    def first_login(self, username: str, password: str, pin: str = PIN) -> None:
        self.open()
        self.login(username, password)
        self.set_pin(pin)
        expect(self.tid("today")).to_be_visible(timeout=15_000)

    def start_first_visit(self, username: str, password: str) -> str:
        """First login, then start the first visit of the day and wait until it synced; the device id."""
        self.first_login(username, password)
        self.open_visit(self.tid("visit-card").first.get_attribute("data-visit-id"))
        self.start_visit()
        expect(self.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
        return self.page.evaluate("window.ivlogProbe.deviceId()")

    def open_visit(self, visit_id: str) -> None:
        self.page.evaluate("(id) => { location.hash = `#/visit/${id}`; }", visit_id)
        expect(self.tid("visit")).to_be_visible()

    def start_visit(self) -> None:
        """Start the open visit; one scheduled on another day (a test's clock near midnight) asks once more."""
        self.tid("start-visit").click()
        # read in one step of the page: a started visit's button is gone a moment later (a wait on it hung)
        if self.page.evaluate("() => document.querySelector('[data-testid=start-visit]')?.textContent") == "Start anyway":
            self.tid("start-visit").click()
        expect(self.tid("action-assessment")).to_be_visible(timeout=15_000)

    def fill(self, name: str, value: Any) -> None:
        # The form builder loads on the first tap (pwa/lazy/): wait for the open form, then decide how to fill.
        expect(self.page.locator("section.entry-form").first).to_be_visible()
        if isinstance(value, bool):
            self.tid(f"{name}-{'yes' if value else 'no'}").click()
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.tid(f"{name}-{item}").click()
        elif self.tid(f"{name}-{value}").count():
            self.tid(f"{name}-{value}").click()
        else:
            self.tid(f"field-{name}").fill(str(value))

    def entry(self, kind: str, fields: dict[str, Any] | None = None, *, confirm: bool = False) -> None:
        """Open the entry's form, fill it, save (confirming a protocol warning when asked), wait until stored."""
        self.tid(f"action-{kind}").click()
        self.fill_form(kind, fields or {}, confirm=confirm)

    def fill_form(self, kind: str, fields: dict[str, Any], *, confirm: bool = False) -> None:
        form = self.tid(f"form-{kind}")
        expect(form).to_be_visible()
        for name, value in fields.items():
            self.fill(name, value)
        self.tid("save-entry").click()
        if confirm:
            expect(self.tid("form-warning")).not_to_be_empty()
            self.tid("save-entry").click()
        expect(form).to_be_hidden(timeout=15_000)

    def screenshot(self, path, *, width: int = 1280, height: int = 800, testid: str | None = None) -> None:
        """The screen as the nurse sees it at this size, from the top or at one element."""
        self.page.set_viewport_size({"width": width, "height": height})
        if testid:
            # Found and scrolled in one step of the page: a sync may replace the element between two steps.
            expect(self.tid(testid).first).to_be_visible()
            self.page.evaluate("(id) => document.querySelector(`[data-testid='${id}']`).scrollIntoView({block: 'nearest'})", testid)
        else:
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size({"width": 1280, "height": 800})

    def probe(self, expression: str, *args: Any) -> Any:
        return self.page.evaluate(f"(args) => window.ivlogProbe.{expression}", list(args))

    def pending_ids(self) -> list[str]:
        return self.page.evaluate("() => window.ivlogProbe.pendingIds()")

    def fold(self, visit_id: str) -> dict:
        return self.page.evaluate("(id) => window.ivlogProbe.fold(id)", visit_id)

    def dump_indexeddb(self) -> dict:
        return self.page.evaluate(DUMP_INDEXEDDB)
