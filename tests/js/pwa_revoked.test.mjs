// A revoked tablet hands its outbox over before it is erased (issue 15.3): told 403 device_revoked,
// the outbox sends every entry to /api/sync/surrender; it reports `revoked` (which wipes the tablet)
// only once the server answered for all of them, and keeps everything when the hand-over is refused.

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import * as api from "../../pwa/api.js";
import { newDataKey } from "../../pwa/crypto.js";
import { Journal } from "../../pwa/journal.js";
import { Outbox } from "../../pwa/outbox.js";
import { Vault } from "../../pwa/vault.js";
import { FakeStore } from "./pwa_fake_store.mjs";

const DEVICE = "0b0f5a44-5c1e-4c57-9d57-1b7c4d0c1a11";
const VISIT = "5f6d3c1e-2a4b-4c8d-9e0f-a1b2c3d4e5f6";
const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const REVOKED = { code: "device_revoked", detail: "This tablet was revoked by an administrator." };
const kept = (events) => json(200, {
  results: events.map((e) => ({ id: e.id, status: "quarantined", code: "revoked_device", reason: "kept aside" })),
  device: { acked_through: events.at(-1).device_seq, gaps: [], wiped: false, revoked: true, revoked_reason: "Reported lost",
    revoked_text: `Revoked (Reported lost); ${events.at(-1).device_seq} entries kept for the pharmacist.` },
});

/** The server after the revocation: every push refused; `surrender(events)` answers the hand-over. */
function revokedServer(surrender) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    const path = String(url).split("?")[0];
    calls.push({ path, events: init.body ? JSON.parse(init.body).events : null });
    return path === "/api/sync/surrender" ? surrender(calls.at(-1).events) : json(403, REVOKED);
  };
  return calls;
}

async function outboxWith(count, batchSize = 500) {
  const store = new FakeStore();
  const key = await newDataKey();
  const journal = new Journal(store, key, DEVICE);
  const outbox = await new Outbox({ store, vault: new Vault(store, key), journal, deviceId: DEVICE, inbox: null }).load();
  outbox.schedule = () => {}; // the tests drive the runs
  outbox.batchSize = batchSize;
  for (let i = 0; i < count; i += 1) await outbox.save({ visitId: VISIT, kind: "note", payload: { text: `note ${i}` } });
  return { store, outbox };
}

test("told it was revoked, the tablet hands every unsent entry over before it reports revoked", async () => {
  const { store, outbox } = await outboxWith(3, 2);
  const calls = revokedServer(kept);
  await outbox.run();
  assert.equal(outbox.status.revoked, false, "not revoked (wiped) before the hand-over");
  assert.equal(outbox.pendingCount(), 3);
  await outbox.run();
  assert.deepEqual(calls.map((c) => [c.path, c.events?.map((e) => e.device_seq)]), [
    ["/api/sync/push", [1, 2]], ["/api/sync/surrender", [1, 2]], ["/api/sync/surrender", [3]]]);
  assert.equal(outbox.pendingCount(), 0);
  assert.equal(await store.count("outbox"), 0);
  assert.equal(outbox.status.revoked, true);
  assert.equal(outbox.status.error, "Revoked (Reported lost); 3 entries kept for the pharmacist."); // the server's words
});

test("a hand-over answered only in part keeps the rest and does not report revoked", async () => {
  const { outbox } = await outboxWith(2);
  const first = (await kept([{ id: "x", device_seq: 1 }]).json()).device;
  revokedServer((events) => json(200, {
    results: events.filter((e) => e.device_seq === 1).map((e) => ({ id: e.id, status: "quarantined", code: "revoked_device" })),
    device: first,
  }));
  await outbox.run();
  await outbox.run();
  assert.equal(outbox.status.revoked, false);
  assert.equal(outbox.pendingCount(), 1);
});

test("a refused hand-over keeps every entry on the tablet and says so", async () => {
  const { store, outbox } = await outboxWith(2);
  revokedServer(() => json(401, { code: "not_authenticated", detail: "no" }));
  await outbox.run();
  await outbox.run();
  assert.equal(outbox.status.revoked, false);
  assert.equal(outbox.status.authNeeded, true); // a login may hand them over later
  assert.match(outbox.status.error, /every entry is kept on this tablet/);
  assert.equal(await store.count("outbox"), 2);
  await outbox.run(); // refused: no further attempt
});

test("a revoked tablet with nothing unsent reports revoked at once", async () => {
  const { outbox } = await outboxWith(0);
  globalThis.fetch = async () => json(403, REVOKED);
  outbox.inbox = { sync: () => api.pull(0) }; // its next contact: a pull, refused
  await outbox.run();
  await outbox.run();
  assert.equal(outbox.status.revoked, true);
  assert.equal(outbox.status.error, undefined); // nothing handed over: the app says it was revoked
});

test("a login refused for a revoked tablet never erases unsent entries: it asks for the PIN to hand them over", async () => {
  const { logIn, SessionError } = await import("../../pwa/session.js");
  if (!globalThis.navigator) globalThis.navigator = {}; // the device label reads it
  const { store } = await outboxWith(2);
  globalThis.fetch = async () => json(403, REVOKED);
  const keyring = { hasPin: async () => true };
  await assert.rejects(logIn({ store, keyring, deviceId: DEVICE, username: "n", password: "p" }),
    (e) => e instanceof SessionError && e.code === "revoked_unsent" && /PIN to hand 2 unsent entries/.test(e.message));
  assert.equal(await store.count("outbox"), 2);
});
