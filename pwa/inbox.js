// What the tablet receives: other people's entries (pharmacist, other tablets) by pulling the event
// log from a kept cursor, and the reference document (patients, orders, visits, clinical data),
// refreshed with If-None-Match so the usual answer is an empty 304.

import * as api from "./api.js";

const PULL_LIMIT = 1000;
const WEEK_MS = 7 * 24 * 3600_000;

/**
 * The new reference, plus the visits (with their patient and order) that the server stopped listing
 * (signed, reviewed) but this tablet holds entries for, from the last week: the nurse still sees them.
 */
export function carryOver(previous, next, keepVisitIds, now = new Date()) {
  if (!previous) return next;
  const listed = new Set(next.visits.map((v) => v.id));
  const kept = previous.visits.filter((v) => !listed.has(v.id) && keepVisitIds.has(v.id)
    && now.getTime() - new Date(v.scheduled_at).getTime() < WEEK_MS);
  if (kept.length === 0) return next;
  const add = (list, extra) => [...list, ...extra.filter((x) => !list.some((y) => y.id === x.id))];
  const patients = previous.patients.filter((p) => kept.some((v) => v.patient_id === p.id));
  const orders = previous.orders.filter((o) => kept.some((v) => v.order_id === o.id));
  return {
    ...next,
    visits: add(next.visits, kept.map((v) => ({ ...v, kept_on_tablet: true }))),
    patients: add(next.patients, patients),
    orders: add(next.orders, orders),
  };
}

export class Inbox extends EventTarget {
  constructor({ store, vault, journal }) {
    super();
    this.store = store;
    this.vault = vault;
    this.journal = journal;
    this.reference = null; // {etag, document, fetched_at}
  }

  async load() {
    this.reference = await this.vault.read("reference", null);
    return this;
  }

  get document() {
    return this.reference ? this.reference.document : null;
  }

  async sync() {
    await this.pullAll();
    await this.refreshReference();
  }

  async pullAll() {
    const received = await this.pullPages(await this.store.metaValue("pull_cursor", 0), null);
    if (received > 0) this.dispatchEvent(new Event("change"));
    return received;
  }

  /** Stores every page after `cursor`: of all readable visits, keeping the cursor, or of `visitId` alone. */
  async pullPages(cursor, visitId) {
    let received = 0;
    for (;;) {
      const { data } = await api.pull(cursor, PULL_LIMIT, visitId);
      if (data.events.length > 0) {
        const records = await this.journal.pulled(data.events);
        await this.store.run(["events", "meta"], "readwrite", (s) => {
          for (const record of records) s.events.put(record);
          if (!visitId) s.meta.put({ name: "pull_cursor", value: data.next });
        });
        received += data.events.length;
      }
      cursor = data.next;
      if (!data.more) return received;
    }
  }

  /**
   * The kept cursor passed the events of visits this user could not read then: a visit the new
   * reference lists and the previous did not (a patient newly assigned) is pulled from its start,
   * as is one the tablet only kept (`carryOver`): it was unreadable meanwhile (unassigned, then
   * assigned again). Called before the new reference is kept, so an interrupted sync does it again.
   */
  async pullNewVisits(previous, next) {
    if (!previous) return;
    const known = new Set(previous.visits.filter((v) => !v.kept_on_tablet).map((v) => v.id));
    for (const visit of next.visits.filter((v) => !known.has(v.id))) {
      try {
        await this.pullPages(0, visit.id);
      } catch (error) {
        if (error.code !== "unknown_visit") throw error; // no longer readable: nothing to add
      }
    }
  }

  async refreshReference() {
    const etag = this.reference ? this.reference.etag : null;
    const answer = await api.reference(etag);
    if (answer.status === 304) return false;
    await this.pullNewVisits(this.document, answer.data);
    const document = carryOver(this.document, answer.data, this.journal.visitIds());
    this.reference = { etag: answer.etag, document, fetched_at: new Date().toISOString() };
    await this.vault.write("reference", this.reference);
    this.dispatchEvent(new Event("change"));
    return true;
  }
}
