// The visit entries this tablet holds, decrypted in memory while the tablet is unlocked.
//
// Each stored record is `{id, seq, iv, ct}`; `ct` seals `{event, local}` where `event` is the entry
// exactly as it is (or will be) pushed, plus the server's fields once known (server_seq, author_id),
// and `local` is what this tablet knows about its fate: pending | accepted | quarantined, with the
// server's reason. Own events take their device_seq from the record's `seq`; the event body is
// never changed after it was saved, so every retry of a push sends identical content.

import { seal, unseal } from "./crypto.js";

const WIRE_FIELDS = ["id", "visit_id", "kind", "schema", "occurred_at", "recorded_at", "payload", "resolves"];
const SERVER_FIELDS = ["server_seq", "author_id", "received_at", "device_id", "device_seq", "flags"];
const ANSWERED = new Set(["accepted", "duplicate", "quarantined", "collision"]);

const where = (id) => `events/${id}`;

/** The push form of an own event: the wire fields and its device_seq. */
export function wireEvent(event, seq) {
  const wire = {};
  for (const name of WIRE_FIELDS) if (event[name] !== undefined) wire[name] = event[name];
  wire.device_seq = seq;
  return wire;
}

/** What the fold reads for one entry: own entries get this device and seq, and the author locally. */
function foldEvent(item, deviceId, authorId) {
  const { event, seq } = item;
  return {
    ...event,
    device_id: event.device_id ?? deviceId,
    device_seq: event.device_seq ?? seq,
    author_id: event.author_id ?? authorId,
  };
}

export class Journal {
  constructor(store, dataKey, deviceId) {
    this.store = store;
    this.dataKey = dataKey;
    this.deviceId = deviceId;
    this.items = new Map(); // id -> {event, local, seq}
  }

  /** Decrypt every stored entry; one that does not decrypt (damaged storage) is counted, never silently used. */
  async load() {
    const rows = await this.store.getAll("events");
    const opened = await Promise.all(rows.map(async (row) => {
      try {
        return { row, body: await unseal(this.dataKey, row, where(row.id)) };
      } catch {
        return { row, body: null };
      }
    }));
    this.items.clear();
    this.unreadable = opened.filter((o) => o.body === null).map((o) => o.row.id);
    for (const { row, body } of opened) if (body) this.items.set(row.id, { ...body, seq: row.seq });
    return this;
  }

  get(id) {
    return this.items.get(id);
  }

  async sealRecord(id, seq, event, local) {
    return { id, seq, ...(await seal(this.dataKey, { event, local }, where(id))) };
  }

  remember(id, seq, event, local) {
    this.items.set(id, { event, local, seq });
  }

  /** Remember the entry's new state and seal it as the record to store. */
  update(id, seq, event, local) {
    this.remember(id, seq, event, local);
    return this.sealRecord(id, seq, event, local);
  }

  /** Entries of one visit for the fold (server-refused ones are left out, as the server leaves them out). */
  foldEvents(visitId, authorId) {
    const out = [];
    for (const item of this.items.values()) {
      if (item.event.visit_id !== visitId || item.local.status === "quarantined") continue;
      out.push(foldEvent(item, this.deviceId, authorId));
    }
    return out;
  }

  /** Own entries the server refused and that no later entry resolves: the "needs correction" list. */
  needsCorrection(visitId = null) {
    const resolved = new Set();
    for (const item of this.items.values()) if (item.event.resolves) resolved.add(item.event.resolves);
    return [...this.items.values()]
      .filter((item) => item.local.status === "quarantined" && !resolved.has(item.event.id))
      .filter((item) => visitId === null || item.event.visit_id === visitId)
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  }

  visitIds() {
    return new Set([...this.items.values()].map((item) => item.event.visit_id));
  }

  /** Records to store after a push: each answered event's new local status. */
  async answered(results, answeredAt) {
    const records = [];
    for (const result of results) {
      const item = this.items.get(result.id);
      if (!item || !ANSWERED.has(result.status)) continue;
      const refused = result.status === "quarantined" || result.status === "collision";
      const local = refused
        ? { status: "quarantined", code: result.code || result.status, reason: result.reason || "", answered_at: answeredAt }
        : { status: "accepted", answered_at: answeredAt };
      const event = refused ? item.event : { ...item.event, server_seq: result.server_seq ?? item.event.server_seq };
      records.push(await this.update(result.id, item.seq, event, local));
    }
    return records;
  }

  /** Records to store for pulled events: new ones added, own ones completed with the server's fields. */
  async pulled(events) {
    const records = [];
    for (const incoming of events) {
      const item = this.items.get(incoming.id);
      let event;
      let local;
      let seq = null;
      if (item) {
        const extra = {};
        for (const name of SERVER_FIELDS) if (incoming[name] !== undefined) extra[name] = incoming[name];
        event = { ...item.event, ...extra };
        local = item.local.status === "pending" ? item.local : { ...item.local, status: "accepted" };
        seq = item.seq;
      } else {
        event = incoming;
        local = { status: "accepted", pulled: true };
      }
      records.push(await this.update(incoming.id, seq, event, local));
    }
    return records;
  }
}
