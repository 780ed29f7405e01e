// The shell as the server serves it (server/routes/pwa.py minifies each file of pwa/ on its own): every
// module still parses as an ES module, and the whole JS suite passes against the minified copies, so
// a minifier slip (a template literal, a regex literal) cannot reach a tablet unnoticed.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = process.env.IVLOG_PYTHON || join(ROOT, ".venv", "bin", "python");
const THIS_FILE = "pwa_served.test.mjs";
// Tests about the source files themselves (their hash, their text) do not apply to minified copies.
const SOURCE_ONLY = new Set([THIS_FILE, "pwa_shell.test.mjs"]);

// Writes every file of pwa/ as served into `target` (the server's own minify function).
const WRITE_SERVED = `
import sys
from pathlib import Path
from server.routes.pwa import PWA_DIR, served
target = Path(sys.argv[1])
for path in sorted(PWA_DIR.rglob("*")):
    if path.is_file() and not path.name.startswith("."):
        out = target / path.relative_to(PWA_DIR)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(served(path).body)
`;

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", ...options });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

// A copy of the repository's layout that the tests expect (../../pwa, ../vectors, ../../server/...),
// with pwa/ minified as served.
function servedTree() {
  const dir = mkdtempSync(join(tmpdir(), "ivlog-served-"));
  const written = run(PYTHON, ["-c", WRITE_SERVED, join(dir, "pwa")]);
  assert.ok(written.ok, written.output);
  writeFileSync(join(dir, "package.json"), '{"type": "module"}\n');
  cpSync(join(ROOT, "tests", "js"), join(dir, "tests", "js"), { recursive: true, filter: (src) => !SOURCE_ONLY.has(src.split(/[\\/]/).pop()) });
  symlinkSync(join(ROOT, "tests", "vectors"), join(dir, "tests", "vectors"));
  symlinkSync(join(ROOT, "server"), join(dir, "server"));
  return dir;
}

describe("the shell as served (minified)", { skip: !existsSync(PYTHON) && `no Python at ${PYTHON}` }, () => {
  let dir = null;
  before(() => { dir = servedTree(); });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  test("is smaller than the source and keeps every file", () => {
    const served = filesUnder(join(dir, "pwa")).map((p) => relative(join(dir, "pwa"), p)).sort();
    const source = filesUnder(join(ROOT, "pwa")).map((p) => relative(join(ROOT, "pwa"), p))
      .filter((p) => !p.split(/[\\/]/).pop().startsWith(".")).sort();
    assert.deepEqual(served, source);
    const size = (base) => source.reduce((sum, p) => sum + statSync(join(base, p)).size, 0);
    assert.ok(size(join(dir, "pwa")) < size(join(ROOT, "pwa")));
  });

  test("every module parses as an ES module", () => {
    const modules = filesUnder(join(dir, "pwa")).filter((p) => p.endsWith(".js"));
    const sourceModules = filesUnder(join(ROOT, "pwa")).filter((p) => p.endsWith(".js"));
    assert.ok(modules.length > 40 && modules.length === sourceModules.length);
    const broken = modules.map((p) => ({ p, check: run(process.execPath, ["--check", p]) }))
      .filter(({ check }) => !check.ok).map(({ p, check }) => `${relative(dir, p)}: ${check.output}`);
    assert.deepEqual(broken, []);
  });

  test("the JS suite passes against the minified modules", () => {
    // A separate run, not a child of this one (node marks nested runs through NODE_TEST_CONTEXT).
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const suite = run(process.execPath, ["--test", join(dir, "tests", "js")], { cwd: dir, env });
    assert.ok(suite.ok, suite.output.slice(-4000));
    const passed = Number(/# pass (\d+)/.exec(suite.output)?.[1] ?? 0);
    assert.ok(passed >= 100, `only ${passed} tests ran:\n${suite.output.slice(-2000)}`);
  });
});
