// An in-memory stand-in for pwa/store.js (same methods, same atomicity promises) for Node tests.

export class FakeStore {
  constructor() {
    this.stores = { meta: new Map(), events: new Map(), outbox: new Map(), docs: new Map() };
    this.keyOf = { meta: "name", events: "id", outbox: "id", docs: "name" };
    this.failNext = null;
  }

  async get(store, key) { return structuredClone(this.stores[store].get(key)); }
  async getAll(store) { return [...this.stores[store].values()].map((v) => structuredClone(v)); }
  async count(store) { return this.stores[store].size; }
  async put(store, value) { this.stores[store].set(value[this.keyOf[store]], structuredClone(value)); }
  async putMany(store, values) { for (const v of values) await this.put(store, v); }
  async delete(store, key) { this.stores[store].delete(key); }
  async metaValue(name, fallback = null) { const row = this.stores.meta.get(name); return row === undefined ? fallback : structuredClone(row.value); }
  async setMeta(name, value) { this.stores.meta.set(name, { name, value: structuredClone(value) }); }

  async appendEvent(sealed) {
    if (this.failNext) { const error = this.failNext; this.failNext = null; throw error; }
    const seq = (this.stores.meta.get("device_seq")?.value ?? 0) + 1;
    this.stores.meta.set("device_seq", { name: "device_seq", value: seq });
    this.stores.events.set(sealed.id, { ...sealed, seq });
    this.stores.outbox.set(sealed.id, { id: sealed.id, seq });
    return seq;
  }

  async settle(outboxIds, records) {
    for (const id of outboxIds) this.stores.outbox.delete(id);
    for (const record of records) this.stores.events.set(record.id, record);
  }

  async run(names, mode, work) {
    const facade = Object.fromEntries(names.map((name) => [name, {
      put: (value) => { this.stores[name].set(value[this.keyOf[name]], structuredClone(value)); },
    }]));
    return work(facade);
  }
}
