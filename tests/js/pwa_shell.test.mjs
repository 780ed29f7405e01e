// The app shell as shipped: the service worker precaches exactly the files of pwa/ under a version
// that changes with their content (else tablets keep old code), the page has no inline script or
// style (CSP), and no code turns text into HTML or code.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const PWA = fileURLToPath(new URL("../../pwa/", import.meta.url));

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const shellFiles = filesUnder(PWA).map((p) => relative(PWA, p).split("\\").join("/"))
  .filter((p) => p !== "sw.js" && !p.split("/").pop().startsWith(".")).sort();

// Code a nurse asks for (the camera's barcode reader) lives under lazy/ or vendor/: precached, so it
// works offline, but neither preloaded nor counted in the cold-start shell; loaded by import() on demand.
const onDemand = (file) => file.startsWith("lazy/") || file.startsWith("vendor/");

function shellVersion() {
  const hash = createHash("sha256");
  for (const file of shellFiles) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(PWA, file)));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

const sw = readFileSync(join(PWA, "sw.js"), "utf8");
const manifest = JSON.parse(readFileSync(join(PWA, "manifest.webmanifest"), "utf8"));
// The PNG icons are for installing (the browser fetches them from the manifest, online); the
// offline shell needs only the SVG favicon, so they are not precached (DESIGN 7: shell <= 150 KB).
const installOnly = new Set(manifest.icons.filter((i) => i.type === "image/png").map((i) => i.src.replace("/app/", "")));

describe("the service worker's shell", () => {
  test("precaches every file of pwa/ but the install icons, and nothing else", () => {
    const listed = JSON.parse(/const SHELL = (\[[^\]]*\]);/.exec(sw)[1].replace(/,\s*\]/, "]"));
    const expected = shellFiles.filter((f) => !installOnly.has(f)).map((f) => `/app/${f}`);
    assert.deepEqual(listed, expected, `set SHELL in pwa/sw.js to:\n${JSON.stringify(expected, null, 2)}`);
  });

  test("its cache version follows the shell's content", () => {
    const version = /const VERSION = "([^"]*)";/.exec(sw)[1];
    assert.equal(version, shellVersion(), `a file of pwa/ changed: set VERSION in pwa/sw.js to "${shellVersion()}"`);
  });

  test("never answers for /api/", () => {
    assert.match(sw, /url\.pathname\.startsWith\("\/api\/"\)\) return;/);
  });
});

describe("content security", () => {
  test("the page loads its script and style from files only", () => {
    const html = readFileSync(join(PWA, "index.html"), "utf8");
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i);
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
    assert.match(html, /<link rel="manifest" href="\/app\/manifest.webmanifest">/);
  });

  test("the page preloads every module, so the shell loads in one round instead of a waterfall", () => {
    const html = readFileSync(join(PWA, "index.html"), "utf8");
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/app\/([^"]+)">/g)].map((m) => m[1]).sort();
    const modules = shellFiles.filter((f) => f.endsWith(".js") && !onDemand(f));
    assert.deepEqual(preloaded, modules, `index.html needs exactly one modulepreload link per module:\n${
      modules.map((m) => `  <link rel="modulepreload" href="/app/${m}">`).join("\n")}`);
  });

  test("no code of ours writes HTML or evaluates text", () => {
    const risky = /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setTimeout\(\s*["'`]/;
    const ours = shellFiles.filter((f) => f.endsWith(".js") && !f.startsWith("vendor/"));
    const offenders = ours.filter((f) => risky.test(readFileSync(join(PWA, f), "utf8")));
    assert.deepEqual(offenders, []);
  });

  test("the manifest makes the app installable", () => {
    assert.equal(manifest.start_url, "/app/");
    assert.equal(manifest.scope, "/");
    assert.equal(manifest.display, "standalone");
    const pngs = manifest.icons.filter((i) => i.type === "image/png").map((i) => i.sizes);
    assert.ok(pngs.includes("192x192") && pngs.includes("512x512"));
  });
});
