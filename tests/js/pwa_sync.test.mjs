// The tablet's keys, outbox and inbox with an in-memory store and a scripted server (fetch replaced):
// PIN and server wrapping, five wrong PINs, device_seq, batches of 500, deletion only after the
// server answered, quarantine kept for correction, 401 keeping the queue, backoff capped at 5 min,
// a newly listed visit pulled from its start without moving the kept cursor.

import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { PBKDF2_ITERATIONS, newDataKey, pinProblem, seal, unseal } from "../../pwa/crypto.js";
import { Inbox } from "../../pwa/inbox.js";
import { Journal, wireEvent } from "../../pwa/journal.js";
import { Keyring, MAX_PIN_FAILURES } from "../../pwa/keyring.js";
import { BACKOFF_CAP_MS, MAX_BATCH, Outbox, backoffMs } from "../../pwa/outbox.js";
import { Vault } from "../../pwa/vault.js";
import { FakeStore } from "./pwa_fake_store.mjs";

const DEVICE = "0b0f5a44-5c1e-4c57-9d57-1b7c4d0c1a11";
const VISIT = "5f6d3c1e-2a4b-4c8d-9e0f-a1b2c3d4e5f6";
const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

function answer(status, body) {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** A scripted server: `onPush(events)` returns the response for each push; pushes are recorded. */
function server(onPush) {
  const pushes = [];
  globalThis.fetch = async (url, init) => {
    if (String(url).startsWith("/api/sync/push")) {
      const body = JSON.parse(init.body);
      pushes.push(body);
      return onPush(body.events);
    }
    throw new TypeError("no route");
  };
  return pushes;
}

async function outboxWith(count = 0) {
  const store = new FakeStore();
  const key = await newDataKey();
  const journal = new Journal(store, key, DEVICE);
  const outbox = await new Outbox({ store, vault: new Vault(store, key), journal, deviceId: DEVICE, inbox: null }).load();
  outbox.schedule = () => {}; // the tests drive flushes themselves
  for (let i = 0; i < count; i += 1) await outbox.save({ visitId: VISIT, kind: "note", payload: { text: `note ${i}` } });
  return { store, key, journal, outbox };
}

const accepted = (events) => answer(200, {
  protocol: 1, server_time: new Date().toISOString(), clock_offset_ms: 0,
  results: events.map((e, i) => ({ id: e.id, status: "accepted", server_seq: i + 1, reason: "", code: "" })),
  device: { acked_through: events.at(-1).device_seq, gaps: [], wiped: false },
});

describe("crypto and keyring", () => {
  test("a sealed record opens only with its key and at its own place", async () => {
    const key = await newDataKey();
    const box = await seal(key, { name: "Alma Reyes" }, "events/a");
    assert.deepEqual(await unseal(key, box, "events/a"), { name: "Alma Reyes" });
    await assert.rejects(unseal(key, box, "events/b"));
    await assert.rejects(unseal(await newDataKey(), box, "events/a"));
    assert.ok(!Buffer.from(box.ct).toString("latin1").includes("Alma"));
  });

  test("PINs are six digits, not repeated or consecutive", () => {
    assert.equal(pinProblem("482916"), null);
    for (const weak of ["111111", "123456", "987654", "12345", "12345a"]) assert.notEqual(pinProblem(weak), null, weak);
  });

  test("the PIN opens the data key; five wrong PINs erase the PIN copy only", async () => {
    assert.ok(PBKDF2_ITERATIONS >= 600_000);
    const store = new FakeStore();
    const keyring = new Keyring(store, DEVICE);
    await keyring.openWithServerKey("server-wrap-key");
    await keyring.setPin("482916");
    const box = await seal(keyring.dataKey, { hr: 72 }, "events/x");
    keyring.lock();
    for (let i = 1; i < MAX_PIN_FAILURES; i += 1) {
      assert.deepEqual(await keyring.unlock("000000"), { ok: false, remaining: MAX_PIN_FAILURES - i });
    }
    assert.equal((await keyring.unlock("000000")).lockedOut, true);
    const keys = await store.metaValue("keys");
    assert.equal(keys.pin, null);
    assert.ok(keys.server);
    assert.equal((await keyring.unlock("482916")).lockedOut, true, "the right PIN no longer helps");
    await keyring.openWithServerKey("server-wrap-key");
    await keyring.setPin("730519");
    assert.deepEqual(await unseal(keyring.dataKey, box, "events/x"), { hr: 72 }, "the data survived");
    assert.equal(await store.metaValue("pin_failures"), 0);
  });

  test("another server key cannot open the data", async () => {
    const store = new FakeStore();
    await new Keyring(store, DEVICE).openWithServerKey("right");
    await assert.rejects(new Keyring(store, DEVICE).openWithServerKey("wrong"), /does not open/);
  });
});

describe("outbox", () => {
  test("each save gets the next device_seq and an outbox row with its event", async () => {
    const { store, outbox } = await outboxWith(3);
    const rows = (await store.getAll("outbox")).sort((a, b) => a.seq - b.seq);
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3]);
    assert.deepEqual(new Set(rows.map((r) => r.id)), outbox.pending);
    assert.equal((await store.getAll("events")).length, 3);
  });

  test("a failed write rejects, and nothing is pending", async () => {
    const { store, outbox } = await outboxWith(0);
    store.failNext = new Error("disk full");
    await assert.rejects(outbox.save({ visitId: VISIT, kind: "note", payload: { text: "x" } }), /disk full/);
    assert.equal(outbox.pendingCount(), 0);
  });

  test("pushes go in batches of at most 500, in device_seq order, and rows go once answered", async () => {
    const { store, outbox } = await outboxWith(MAX_BATCH + 20);
    const pushes = server(accepted);
    await outbox.pushAll();
    assert.deepEqual(pushes.map((p) => p.events.length), [MAX_BATCH, 20]);
    const seqs = pushes.flatMap((p) => p.events.map((e) => e.device_seq));
    assert.deepEqual(seqs, Array.from({ length: MAX_BATCH + 20 }, (_, i) => i + 1));
    assert.equal((await store.getAll("outbox")).length, 0);
  });

  test("an event the server did not answer for stays queued; a retry sends identical content", async () => {
    const { store, outbox } = await outboxWith(2);
    const pushes = server((events) => answer(200, { results: events.filter((e) => e.device_seq === 1)
      .map((e) => ({ id: e.id, status: "accepted", server_seq: 1 })), device: { acked_through: 1, gaps: [], wiped: false } }));
    await assert.rejects(outbox.pushAll(), /answered for none/);
    assert.equal(outbox.pendingCount(), 1);
    const [left] = await store.getAll("outbox");
    const again = server(accepted);
    await outbox.pushAll();
    assert.deepEqual(again[0].events, [pushes[0].events.find((e) => e.id === left.id)]);
  });

  test("quarantined and collision answers are settled and listed for correction with the reason", async () => {
    const { journal, outbox } = await outboxWith(2);
    server((events) => answer(200, { results: [
      { id: events[0].id, status: "quarantined", code: "invalid_payload", reason: "Temperature 53 °C is outside 32–43 °C" },
      { id: events[1].id, status: "duplicate", server_seq: 9 },
    ], device: { acked_through: 2, gaps: [], wiped: false } }));
    await outbox.pushAll();
    assert.equal(outbox.pendingCount(), 0);
    const [held] = journal.needsCorrection(VISIT);
    assert.equal(held.local.reason, "Temperature 53 °C is outside 32–43 °C");
    assert.equal(journal.foldEvents(VISIT, 1).length, 1, "a refused entry is left out of the fold");
    await outbox.save({ visitId: VISIT, kind: "note", payload: { text: "fixed" }, resolves: held.event.id });
    assert.deepEqual(journal.needsCorrection(VISIT), []);
  });

  test("a 401 keeps the whole queue and asks for a login", async () => {
    const { outbox } = await outboxWith(2);
    server(() => answer(401, { code: "not_authenticated", detail: "Please log in" }));
    await outbox.run();
    assert.equal(outbox.status.authNeeded, true);
    assert.equal(outbox.pendingCount(), 2);
  });

  for (const code of ["held_quota", "push_rate"]) {
    test(`a 429 ${code} keeps every entry queued, backs off, and sends the same entries again later`, async () => {
      const { outbox } = await outboxWith(3);
      const refusal = { code, detail: "Nothing of this push was stored; the tablet keeps every entry." };
      let refuse = true;
      const pushes = server((events) => (refuse ? answer(429, refusal) : accepted(events)));
      await outbox.run();
      assert.equal(outbox.pendingCount(), 3);
      assert.equal(outbox.status.state, "error");
      assert.ok(outbox.attempt >= 1 && outbox.status.authNeeded === false);
      refuse = false;
      await outbox.run();
      assert.equal(outbox.pendingCount(), 0);
      assert.deepEqual(pushes[1].events, pushes[0].events);
    });
  }

  test("a 413 for a single entry keeps it queued for a later try", async () => {
    const { outbox } = await outboxWith(1);
    server(() => answer(413, { code: "batch_too_large", detail: "too large" }));
    outbox.batchSize = 1;
    await outbox.run();
    assert.equal(outbox.pendingCount(), 1);
  });

  test("the server saying the device was wiped raises a warning", async () => {
    const { outbox } = await outboxWith(1);
    server((events) => answer(200, { results: events.map((e) => ({ id: e.id, status: "accepted" })), device: { wiped: true } }));
    await outbox.pushAll();
    assert.ok(outbox.status.wipedAt);
  });

  test("retries back off from 2 s, doubling, never beyond 5 minutes", () => {
    assert.deepEqual([1, 2, 3, 4].map(backoffMs), [2000, 4000, 8000, 16000]);
    assert.equal(backoffMs(30), BACKOFF_CAP_MS);
    assert.equal(BACKOFF_CAP_MS, 300_000);
  });

  test("the wire form carries the seq and never local fields", () => {
    const wire = wireEvent({ id: "e", visit_id: VISIT, kind: "note", schema: 1, occurred_at: "t", recorded_at: "t", payload: {}, server_seq: 4, author_id: 2 }, 7);
    assert.deepEqual(Object.keys(wire).sort(), ["device_seq", "id", "kind", "occurred_at", "payload", "recorded_at", "schema", "visit_id"]);
  });
});

describe("inbox", () => {
  const reference = (...ids) => ({ visits: ids.map((id) => (typeof id === "string" ? { id } : id)), patients: [], orders: [] });
  const note = (id, visitId, seq) => ({ id, visit_id: visitId, kind: "note", payload: { text: id }, server_seq: seq });

  /** An inbox holding a reference listing `known` and a cursor at 40; `pages[visit]` answers its pulls in turn. */
  async function inboxWith(known, { listed, pages }) {
    const store = new FakeStore();
    const key = await newDataKey();
    const vault = new Vault(store, key);
    await vault.write("reference", { etag: '"old"', document: reference(...known) });
    await store.setMeta("pull_cursor", 40);
    const inbox = await new Inbox({ store, vault, journal: new Journal(store, key, DEVICE) }).load();
    const pulls = [];
    globalThis.fetch = async (url) => {
      const { pathname, searchParams } = new URL(url, "http://tablet");
      if (pathname === "/api/reference") return answer(200, reference(...listed));
      const visit = searchParams.get("visit");
      pulls.push(`${visit}@${searchParams.get("after")}`);
      return pages[visit].shift();
    };
    return { store, vault, inbox, pulls };
  }

  test("a visit the new reference lists is pulled from its start, the kept cursor left where it was", async () => {
    const { store, inbox, pulls } = await inboxWith(["a"], { listed: ["a", "b", "gone"], pages: {
      b: [answer(200, { events: [note("n1", "b", 3)], next: 3, more: true }),
        answer(200, { events: [note("n2", "b", 7)], next: 7, more: false })],
      gone: [answer(404, { code: "unknown_visit", detail: "This visit does not exist or you may not read it." })],
    } });
    let changes = 0;
    inbox.addEventListener("change", () => { changes += 1; });
    assert.equal(await inbox.refreshReference(), true);
    assert.deepEqual(pulls, ["b@0", "b@3", "gone@0"], "listed before: not pulled again; unreadable now: skipped");
    assert.deepEqual((await store.getAll("events")).map((r) => r.id).sort(), ["n1", "n2"]);
    assert.equal(inbox.journal.get("n2").event.payload.text, "n2");
    assert.equal(await store.metaValue("pull_cursor"), 40);
    assert.deepEqual(inbox.document.visits.map((v) => v.id), ["a", "b", "gone"]);
    assert.ok(changes > 0);
  });

  test("a visit the tablet only kept (unassigned meanwhile) is pulled from its start when listed again", async () => {
    const { inbox, pulls } = await inboxWith(["a", { id: "v", kept_on_tablet: true }], { listed: ["a", "v"], pages: {
      v: [answer(200, { events: [note("n9", "v", 12)], next: 12, more: false })],
    } });
    await inbox.refreshReference();
    assert.deepEqual(pulls, ["v@0"], "entries others recorded while it was unreadable are behind the kept cursor");
    assert.equal(inbox.journal.get("n9").event.payload.text, "n9");
  });

  test("a failed pull keeps the previous reference, so the next sync pulls the new visit again", async () => {
    const { vault, inbox } = await inboxWith(["a"], { listed: ["a", "b"], pages: {
      b: [answer(500, { code: "internal", detail: "Try again later." })],
    } });
    await assert.rejects(inbox.refreshReference(), (error) => error.status === 500);
    assert.deepEqual((await vault.read("reference")).document.visits.map((v) => v.id), ["a"]);
    assert.deepEqual(inbox.document.visits.map((v) => v.id), ["a"]);
  });

  test("the pull of all readable visits stores each page and moves the kept cursor with it", async () => {
    const { store, inbox, pulls } = await inboxWith(["a"], { listed: ["a"], pages: {
      null: [answer(200, { events: [note("n1", "a", 41)], next: 41, more: true }),
        answer(200, { events: [], next: 41, more: false })],
    } });
    assert.equal(await inbox.pullAll(), 1);
    assert.deepEqual(pulls, ["null@40", "null@41"]);
    assert.equal(await store.metaValue("pull_cursor"), 41);
    assert.deepEqual((await store.getAll("events")).map((r) => r.id), ["n1"]);
  });

  test("the first reference pulls no visit on its own: the kept cursor starts at 0 and brings them all", async () => {
    const store = new FakeStore();
    const key = await newDataKey();
    const inbox = await new Inbox({ store, vault: new Vault(store, key), journal: new Journal(store, key, DEVICE) }).load();
    globalThis.fetch = async (url) => {
      assert.equal(url, "/api/reference");
      return answer(200, reference("a"));
    };
    assert.equal(await inbox.refreshReference(), true);
  });
});
