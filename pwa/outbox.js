// The outbox: saving an entry, and sending entries to the server until it has answered for each.
//
// Saving writes the encrypted event and its outbox row in one IndexedDB transaction (device_seq
// from the counter in that same transaction). Sending pushes batches of at most 500 in device_seq
// order and deletes an outbox row only once the server answered for that event id (accepted,
// duplicate, quarantined or collision). A refused entry stays in the journal as "needs correction".
// Failures retry with exponential backoff capped at 5 minutes; a 401 keeps the queue and asks for a
// login; nothing is ever dropped on the tablet's side. A revoked tablet (403 device_revoked) hands its
// outbox over to /api/sync/surrender (kept aside for the pharmacist); only once the server answered
// for every entry does it report `revoked` (with the server's text), which wipes it. If the hand-over
// is refused (401, 403), it keeps all and asks for a login, as for any refusal.

import * as api from "./api.js";
import { newId } from "./crypto.js";
import { wireEvent } from "./journal.js";

export const MAX_BATCH = 500;
const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 5 * 60_000;
const IDLE_SYNC_MS = 60_000;
const SAVE_DEBOUNCE_MS = 800; // entries saved in a burst go in one push
const SCHEMA = 1;

/** The wait before retry number `attempt` (1, 2, ...): doubling from 2 s, never above 5 min. */
export function backoffMs(attempt) {
  if (attempt <= 0) return 0;
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
}

/** A new own event, ready to be sealed (ids and times made here; the payload as the nurse gave it). */
function newEvent({ visitId, kind, payload, occurredAt, resolves, now = new Date() }) {
  const event = {
    id: newId(), visit_id: visitId, kind, schema: SCHEMA,
    occurred_at: occurredAt || now.toISOString(), recorded_at: now.toISOString(), payload,
  };
  if (resolves) event.resolves = resolves;
  return event;
}

export class Outbox extends EventTarget {
  constructor({ store, vault, journal, deviceId, inbox }) {
    super();
    this.store = store;
    this.vault = vault;
    this.journal = journal;
    this.deviceId = deviceId;
    this.inbox = inbox;
    this.pending = new Set();
    this.attempt = 0;
    this.timer = null;
    this.running = null;
    this.batchSize = MAX_BATCH;
    this.status = { state: "idle", error: null, authNeeded: false, revoked: false, lastSyncAt: null, nextTryAt: null };
    this.surrendering = false; // revoked: the outbox goes to the pharmacist, then the tablet is wiped
    this.stopped = false;
    this.syncedAt = {}; // visit id -> when the server last answered for its entries
  }

  async load() {
    const rows = await this.store.getAll("outbox");
    this.pending = new Set(rows.map((row) => row.id));
    this.status.lastSyncAt = await this.store.metaValue("last_sync_at", null);
    this.syncedAt = await this.vault.read("visit_synced_at", {});
    this.status.wipedAt = await this.store.metaValue("wiped_warning", null);
    return this;
  }

  pendingCount(visitId = null) {
    if (visitId === null) return this.pending.size;
    let count = 0;
    for (const id of this.pending) if (this.journal.get(id)?.event.visit_id === visitId) count += 1;
    return count;
  }

  /** The oldest unsynced entry's recorded time, or null. */
  oldestPendingAt() {
    let oldest = null;
    for (const id of this.pending) {
      const at = this.journal.get(id)?.event.recorded_at;
      if (at && (oldest === null || at < oldest)) oldest = at;
    }
    return oldest;
  }

  /** Save one entry (encrypted, with its outbox row, atomically); resolves with the event once stored. */
  async save(fields) {
    const event = newEvent(fields);
    const local = { status: "pending" };
    const sealed = await this.journal.sealRecord(event.id, null, event, local);
    const seq = await this.store.appendEvent(sealed);
    this.journal.remember(event.id, seq, event, local);
    this.pending.add(event.id);
    this.emit();
    if (this.attempt === 0) this.schedule(SAVE_DEBOUNCE_MS); // while backing off, keep the backoff
    return event;
  }

  /** Tell the screens, once per burst of changes and after the current work (never inside a save). */
  emit() {
    if (this.emitQueued) return;
    this.emitQueued = true;
    setTimeout(() => {
      this.emitQueued = false;
      this.dispatchEvent(new Event("change"));
    }, 0);
  }

  setStatus(changes) {
    Object.assign(this.status, changes);
    this.emit();
  }

  schedule(delayMs) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.status.nextTryAt = delayMs > 0 ? new Date(Date.now() + delayMs).toISOString() : null;
    this.timer = setTimeout(() => { this.flush(); }, delayMs);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** "Sync now": forget the backoff and try at once. */
  syncNow() {
    this.attempt = 0;
    return this.flush();
  }

  /** Push everything pending, then pull and refresh the reference. One run at a time; a flush asked
   * for during a run gets a run of its own right after (an entry saved meanwhile is not left waiting). */
  flush() {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = this.again || this.running.then(() => { this.again = null; return this.flush(); });
      return this.again;
    }
    this.running = this.run().finally(() => { this.running = null; });
    return this.running;
  }

  async run() {
    if (this.status.authNeeded || this.status.revoked) return;
    clearTimeout(this.timer);
    this.setStatus({ state: "syncing", error: null });
    try {
      await this.pushAll();
      if (this.surrendering) return this.setStatus({ revoked: true, error: this.revokedText });
      if (this.inbox) await this.inbox.sync();
      this.attempt = 0;
      const now = new Date().toISOString();
      await this.store.setMeta("last_sync_at", now);
      this.setStatus({ state: "idle", lastSyncAt: now });
      this.schedule(this.pending.size > 0 ? SAVE_DEBOUNCE_MS : IDLE_SYNC_MS);
    } catch (error) {
      this.failed(error);
    }
  }

  failed(error) {
    const status = error instanceof api.ApiError ? error.status : null; // null: no answer, or not the server's
    if (status === 403 && error.code === "device_revoked" && !this.surrendering) {
      this.surrendering = true; // hand the outbox over before anything is erased
      this.schedule(0);
      return;
    }
    if (status === 401) {
      this.setStatus({ state: "auth", authNeeded: true, error: "Your session ended. Log in again to sync; every entry is kept on this tablet." });
      return;
    }
    if (status === 403) {
      this.setStatus({ state: "refused", authNeeded: true, error: error.message });
      return;
    }
    if (status === 413 && this.batchSize > 1) {
      this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
      this.schedule(0);
      return;
    }
    this.attempt += 1;
    const delay = backoffMs(this.attempt);
    const offline = error instanceof api.OfflineError;
    this.setStatus({ state: offline ? "offline" : "error", error: offline ? null : error.message });
    this.schedule(delay);
  }

  /** After a new login: the queue was kept, so try again now. */
  resume() {
    this.setStatus({ authNeeded: false, state: "idle", error: null });
    this.attempt = 0;
    this.schedule(0);
  }

  async pushAll() {
    for (;;) {
      const rows = (await this.store.getAll("outbox")).sort((a, b) => a.seq - b.seq).slice(0, this.batchSize);
      if (rows.length === 0) return;
      const events = rows.map((row) => {
        const item = this.journal.get(row.id);
        if (!item) throw new Error("An entry waiting to be sent cannot be read on this tablet. Call your administrator.");
        return wireEvent(item.event, row.seq);
      });
      const { data } = await api.push(this.deviceId, events, this.surrendering);
      const sent = new Set(rows.map((row) => row.id));
      const answered = data.results.filter((r) => sent.has(r.id) && r.status && r.id);
      const answeredAt = new Date().toISOString();
      const records = await this.journal.answered(answered, answeredAt);
      const done = records.map((record) => record.id);
      await this.store.settle(done, records);
      for (const id of done) this.pending.delete(id);
      if (this.surrendering) this.revokedText = data.device?.revoked_text;
      await this.noteSynced(events.filter((e) => done.includes(e.id)).map((e) => e.visit_id), answeredAt);
      if (data.device && data.device.wiped) {
        await this.store.setMeta("wiped_warning", answeredAt);
        this.status.wipedAt = answeredAt;
      }
      this.emit();
      if (done.length === 0) throw new Error("The server answered for none of the entries sent; retrying later.");
    }
  }

  async noteSynced(visitIds, at) {
    if (visitIds.length === 0) return;
    for (const id of visitIds) this.syncedAt[id] = at;
    await this.vault.write("visit_synced_at", this.syncedAt);
  }
}
