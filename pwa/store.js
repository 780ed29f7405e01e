// The tablet's IndexedDB: what is kept, in which object store, and atomic writes that never hang.
//
//   meta     plaintext, non-PHI only: device id, wrapped keys (ciphertext), PIN failures,
//            the device_seq counter, the pull cursor, lock minutes, warning flags
//   events   {id, seq, iv, ct}: every entry of every visit (own and pulled), encrypted
//   outbox   {id, seq}: ids of own events the server has not yet answered for
//   docs     {name, iv, ct}: encrypted documents (the reference, the sync state)
//
// Each write runs in one transaction that resolves on `complete` (durability "strict") and rejects
// on error, abort (a full disk: QuotaExceededError) or a time-out, so a failed write always
// surfaces as an error the nurse sees.

export const DB_NAME = "ivlog";
const DB_VERSION = 1;
const STORES = { meta: "name", events: "id", outbox: "id", docs: "name" };
const TIMEOUT_MS = 15_000;

export class StoreError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "StoreError";
    this.code = code;
  }
}

function storeError(error) {
  if (error instanceof StoreError) return error;
  if (error && error.name === "QuotaExceededError") {
    return new StoreError("quota", "The tablet's storage is full: this was NOT saved. Sync now, then free space on the tablet.");
  }
  const detail = error && error.message ? ` (${error.message})` : "";
  return new StoreError("write_failed", `The tablet could not save to its storage${detail}. Nothing was saved; try again.`);
}

/** A request as a promise (for use inside a transaction's `work`). */
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function openStore(name = DB_NAME) {
  return new Promise((resolve, reject) => {
    let req;
    try {
      req = indexedDB.open(name, DB_VERSION);
    } catch (error) {
      reject(storeError(error));
      return;
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const [store, keyPath] of Object.entries(STORES)) {
        if (!db.objectStoreNames.contains(store)) db.createObjectStore(store, { keyPath });
      }
    };
    req.onsuccess = () => resolve(new Store(req.result, name));
    req.onerror = () => reject(storeError(req.error));
    req.onblocked = () => reject(new StoreError("blocked", "ivlog is open in another window: close it and reload."));
  });
}

export class Store {
  constructor(db, name) {
    this.db = db;
    this.name = name;
    db.onversionchange = () => db.close();
  }

  /** Run `work(stores)` in one transaction; resolves with its result once the transaction committed. */
  run(names, mode, work) {
    return new Promise((resolve, reject) => {
      let tx;
      try {
        tx = this.db.transaction(names, mode, { durability: "strict" });
      } catch (error) {
        reject(storeError(error));
        return;
      }
      let result;
      let settled = false;
      const abort = () => {
        try { tx.abort(); } catch { /* already finished */ }
      };
      const finish = (fn, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn(value);
      };
      const timer = setTimeout(() => {
        abort();
        finish(reject, new StoreError("timeout", "The tablet's storage did not answer. Nothing was saved; try again."));
      }, TIMEOUT_MS);
      tx.oncomplete = () => finish(resolve, result);
      tx.onabort = () => finish(reject, storeError(tx.error));
      const stores = Object.fromEntries(names.map((n) => [n, tx.objectStore(n)]));
      Promise.resolve()
        .then(() => work(stores))
        .then((value) => { result = value; }, (error) => {
          abort();
          finish(reject, storeError(error));
        });
    });
  }

  get(store, key) {
    return this.run([store], "readonly", (s) => request(s[store].get(key)));
  }

  getAll(store) {
    return this.run([store], "readonly", (s) => request(s[store].getAll()));
  }

  count(store) {
    return this.run([store], "readonly", (s) => request(s[store].count()));
  }

  put(store, value) {
    return this.run([store], "readwrite", (s) => request(s[store].put(value)));
  }

  delete(store, key) {
    return this.run([store], "readwrite", (s) => request(s[store].delete(key)));
  }

  async metaValue(name, fallback = null) {
    const row = await this.get("meta", name);
    return row === undefined ? fallback : row.value;
  }

  setMeta(name, value) {
    return this.put("meta", { name, value });
  }

  /**
   * Append one own event: the next device_seq from the counter, the encrypted event and its outbox
   * row, all in ONE transaction. `sealed` is `{id, iv, ct}`; resolves with the seq it was given.
   */
  appendEvent(sealed) {
    return this.run(["meta", "events", "outbox"], "readwrite", async (s) => {
      const counter = await request(s.meta.get("device_seq"));
      const seq = (counter ? counter.value : 0) + 1;
      s.meta.put({ name: "device_seq", value: seq });
      s.events.add({ id: sealed.id, seq, iv: sealed.iv, ct: sealed.ct });
      s.outbox.add({ id: sealed.id, seq });
      return seq;
    });
  }

  /** Forget outbox rows the server answered for, and store the events' updated records, at once. */
  settle(outboxIds, eventRecords) {
    return this.run(["outbox", "events"], "readwrite", (s) => {
      for (const id of outboxIds) s.outbox.delete(id);
      for (const record of eventRecords) s.events.put(record);
    });
  }

  /** Remove all patient data but keep the device identity and its counters (logout). */
  clearPatientData() {
    return this.run(["events", "outbox", "docs", "meta"], "readwrite", (s) => {
      s.events.clear();
      s.outbox.clear();
      s.docs.clear();
      s.meta.delete("keys");
      s.meta.delete("pin_failures");
      s.meta.delete("pull_cursor");
    });
  }

  close() {
    this.db.close();
  }
}

/** Delete the whole database (a revoked tablet). */
export function deleteStore(name = DB_NAME) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(storeError(req.error));
    req.onblocked = () => resolve();
  });
}
