// ivlog service worker (scope "/"): keeps the tablet app's shell so it opens with no network.
//
// The shell (every file of pwa/ but the PNG install icons, listed below) is precached under a versioned cache name at install
// and served cache-first; navigations under /app/ get the cached page. Nothing under /api/ is ever
// cached or answered here: patient data lives only in the app's encrypted IndexedDB. Other pages of
// the site (the desks' HTML) pass straight to the network.
//
// VERSION is a hash of the shell's contents; tests/js/pwa_shell.test.mjs checks it, this list and
// index.html's modulepreload links, and prints the values to paste when a file of pwa/ was added or
// changed, so every change reaches the tablets (a new VERSION makes a new cache; the old one is dropped).

const VERSION = "d19db8237eccf64f";
const CACHE = `ivlog-shell-${VERSION}`;
const SHELL = [
  "/app/api.js",
  "/app/app.css",
  "/app/app.js",
  "/app/crypto.js",
  "/app/describe.js",
  "/app/draft.js",
  "/app/form_titles.js",
  "/app/format.js",
  "/app/icons/icon.svg",
  "/app/inbox.js",
  "/app/index.html",
  "/app/journal.js",
  "/app/keyring.js",
  "/app/lazy/camera.js",
  "/app/lazy/chart_model.js",
  "/app/lazy/entries.js",
  "/app/lazy/entry_form.js",
  "/app/lazy/entry_time.js",
  "/app/lazy/expressions.js",
  "/app/lazy/facts.json",
  "/app/lazy/gs1.js",
  "/app/lazy/login_view.js",
  "/app/lazy/order_safety.js",
  "/app/lazy/order_safety_panel.js",
  "/app/lazy/other_orders.js",
  "/app/lazy/other_orders_panel.js",
  "/app/lazy/pin_rule.js",
  "/app/lazy/product_scan.js",
  "/app/lazy/series_line.js",
  "/app/lazy/visit_chart.js",
  "/app/manifest.webmanifest",
  "/app/orders_in_force.js",
  "/app/outbox.js",
  "/app/rules.js",
  "/app/rules/alerts.js",
  "/app/rules/catalog.js",
  "/app/rules/clock.js",
  "/app/rules/context.js",
  "/app/rules/corrections.js",
  "/app/rules/events.js",
  "/app/rules/infusion.js",
  "/app/rules/packaged.js",
  "/app/rules/payload_schemas.js",
  "/app/rules/payload_types.js",
  "/app/rules/payloads.json",
  "/app/rules/picture.js",
  "/app/rules/problems.js",
  "/app/rules/products.schema.json",
  "/app/rules/ranges.js",
  "/app/rules/ranges.schema.json",
  "/app/rules/rate_rules.js",
  "/app/rules/rates.js",
  "/app/rules/record.js",
  "/app/rules/resolutions.js",
  "/app/rules/rounding.js",
  "/app/rules/rulebook.js",
  "/app/rules/rules.schema.json",
  "/app/rules/schedule.js",
  "/app/rules/schema_words.json",
  "/app/rules/series.js",
  "/app/rules/shapes.js",
  "/app/rules/timeline.js",
  "/app/rules/visit_rules.js",
  "/app/session.js",
  "/app/store.js",
  "/app/unlock.js",
  "/app/vault.js",
  "/app/vendor/README.txt",
  "/app/vendor/cel-js.LICENSE.txt",
  "/app/vendor/cel-js/errors.js",
  "/app/vendor/cel-js/evaluator.js",
  "/app/vendor/cel-js/functions.js",
  "/app/vendor/cel-js/globals.js",
  "/app/vendor/cel-js/index.js",
  "/app/vendor/cel-js/macros.js",
  "/app/vendor/cel-js/operators.js",
  "/app/vendor/cel-js/optional.js",
  "/app/vendor/cel-js/options.js",
  "/app/vendor/cel-js/overloads.js",
  "/app/vendor/cel-js/parser.js",
  "/app/vendor/cel-js/registry.js",
  "/app/vendor/cel-js/serialize.js",
  "/app/vendor/cel-js/type-checker.js",
  "/app/vendor/json-schema.LICENSE.txt",
  "/app/vendor/json-schema/deep-compare-strict.js",
  "/app/vendor/json-schema/dereference.js",
  "/app/vendor/json-schema/format.js",
  "/app/vendor/json-schema/pointer.js",
  "/app/vendor/json-schema/ucs2-length.js",
  "/app/vendor/json-schema/validate.js",
  "/app/vendor/json-schema/validator.js",
  "/app/vendor/zxing-library.LICENSE.txt",
  "/app/vendor/zxing-library.min.js",
  "/app/views/dom.js",
  "/app/views/login.js",
  "/app/views/start_visit.js",
  "/app/views/today.js",
  "/app/views/topbar.js",
  "/app/views/visit.js",
  "/app/views/visit_panels.js",
  "/app/visit_model.js",
];
const SHELL_PATHS = new Set(SHELL);
const PAGE = "/app/index.html";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("ivlog-shell-") && name !== CACHE).map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

let opened = null; // the shell's cache, opened once per worker start

async function fromShell(path, request) {
  opened = opened || caches.open(CACHE);
  const cache = await opened;
  const hit = await cache.match(path);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(path, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && (url.pathname === "/app" || url.pathname.startsWith("/app/"))) {
    event.respondWith(fromShell(PAGE, request));
    return;
  }
  if (SHELL_PATHS.has(url.pathname)) event.respondWith(fromShell(url.pathname, request));
});
