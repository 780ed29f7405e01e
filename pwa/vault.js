// Encrypted documents in the `docs` store (the reference, the sync state), sealed with the data key.

import { seal, unseal } from "./crypto.js";

const where = (name) => `docs/${name}`;

export class Vault {
  constructor(store, dataKey) {
    this.store = store;
    this.dataKey = dataKey;
  }

  async read(name, fallback = null) {
    const row = await this.store.get("docs", name);
    return row === undefined ? fallback : unseal(this.dataKey, row, where(name));
  }

  async write(name, value) {
    const box = await seal(this.dataKey, value, where(name));
    await this.store.put("docs", { name, ...box });
  }
}
