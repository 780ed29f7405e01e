// The data key's life on this tablet: created at the first online login, wrapped by the server key
// and by the nurse's PIN, unwrapped by the PIN to unlock, forgotten from memory on lock.
// Five wrong PINs delete the PIN-wrapped copy only; the data and its server-wrapped copy stay, so an
// online login re-opens the store and asks for a new PIN without losing a single unsynced entry.

import {
  PBKDF2_ITERATIONS, keyFromPin, keyFromServer, newDataKey, pinProblem, randomBytes, unwrapDataKey, wrapDataKey,
} from "./crypto.js";

export const MAX_PIN_FAILURES = 5;

export class KeyError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "KeyError";
    this.code = code;
  }
}

export class Keyring {
  constructor(store, deviceId) {
    this.store = store;
    this.deviceId = deviceId;
    this.dataKey = null; // non-extractable, while unlocked
    this.pendingKey = null; // extractable, between an online login and the new PIN
  }

  get unlocked() {
    return this.dataKey !== null;
  }

  async keys() {
    return (await this.store.metaValue("keys", null)) || { pin: null, server: null };
  }

  async hasPin() {
    return Boolean((await this.keys()).pin);
  }

  async hasData() {
    return Boolean((await this.keys()).server);
  }

  failures() {
    return this.store.metaValue("pin_failures", 0);
  }

  /** After an online login: open (or create) the data key with the server's wrap_key; a PIN must follow. */
  async openWithServerKey(wrapKey) {
    const serverKey = await keyFromServer(wrapKey, this.deviceId);
    const keys = await this.keys();
    if (keys.server) {
      try {
        this.pendingKey = await unwrapDataKey(keys.server, serverKey, "server", { extractable: true });
      } catch {
        throw new KeyError("server_key_mismatch",
          "The server's key for this tablet does not open its data. Unlock with your PIN, or call your administrator.");
      }
      return;
    }
    const dataKey = await newDataKey();
    const server = await wrapDataKey(dataKey, serverKey, "server");
    await this.store.setMeta("keys", { pin: null, server });
    this.pendingKey = dataKey;
  }

  /** Wrap the opened data key with a new PIN; the tablet is then unlocked. */
  async setPin(pin) {
    const problem = pinProblem(pin);
    if (problem) throw new KeyError("weak_pin", problem);
    if (!this.pendingKey) throw new KeyError("no_key", "Log in online first.");
    const salt = randomBytes(16);
    const pinKey = await keyFromPin(pin, salt, PBKDF2_ITERATIONS);
    const box = await wrapDataKey(this.pendingKey, pinKey, "pin");
    const keys = await this.keys();
    await this.store.setMeta("keys", { ...keys, pin: { salt, iterations: PBKDF2_ITERATIONS, ...box } });
    await this.store.setMeta("pin_failures", 0);
    this.dataKey = await unwrapDataKey(box, pinKey, "pin");
    this.pendingKey = null;
  }

  /** `{ok: true}`, or `{ok: false, remaining}`, or `{ok: false, lockedOut: true}` after the fifth miss. */
  async unlock(pin) {
    const keys = await this.keys();
    if (!keys.pin) return { ok: false, lockedOut: true, remaining: 0 };
    const pinKey = await keyFromPin(pin, keys.pin.salt, keys.pin.iterations);
    try {
      this.dataKey = await unwrapDataKey(keys.pin, pinKey, "pin");
    } catch {
      const failures = (await this.failures()) + 1;
      await this.store.setMeta("pin_failures", failures);
      if (failures >= MAX_PIN_FAILURES) {
        await this.store.setMeta("keys", { ...keys, pin: null });
        return { ok: false, lockedOut: true, remaining: 0 };
      }
      return { ok: false, remaining: MAX_PIN_FAILURES - failures };
    }
    await this.store.setMeta("pin_failures", 0);
    return { ok: true };
  }

  lock() {
    this.dataKey = null;
    this.pendingKey = null;
  }
}
