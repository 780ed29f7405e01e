// Who is using this tablet and what is open: the device identity, logging in online (which releases
// the server's wrap key), logging out (refused while entries are unsynced), a revoked tablet's wipe,
// and the workspace (journal, outbox, inbox) that exists only while the tablet is unlocked.

import * as api from "./api.js";
import { newId } from "./crypto.js";
import { Inbox } from "./inbox.js";
import { Journal } from "./journal.js";
import { Outbox } from "./outbox.js";
import { deleteStore } from "./store.js";
import { Vault } from "./vault.js";

export const DEFAULT_LOCK_MIN = 5;
export const REVOKED_TEXT = "This tablet was revoked by an administrator: its local data has been erased.";

export class SessionError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "SessionError";
    this.code = code;
  }
}

/** This tablet's id (made once, kept through logouts and a revoked tablet's wipe: a revoked id stays
 * revoked; only an administrator's allowance to register again, `device_replaced`, forgets it). */
export async function deviceIdOf(store) {
  const known = await store.metaValue("device_id", null);
  if (known) return known;
  const id = newId();
  await store.setMeta("device_id", id);
  return id;
}

/** The four characters that tell this tablet apart, on its top bar and on the admin's Tablets page
 * (server/services/devices.py, `tablet_code`): one nurse's tablets share a label. */
export const tabletCode = (deviceId) => String(deviceId).replace(/-/g, "").slice(0, 4).toUpperCase();

function deviceLabel() {
  const brand = navigator.userAgentData?.brands?.find((b) => !/Not/.test(b.brand))?.brand || "browser";
  return `ivlog tablet (${brand})`;
}

/**
 * Log in online. A revoked tablet is wiped here (SessionError "device_revoked" or "device_replaced",
 * the server's code), unless entries are unsent:
 * then the PIN unlocks it to hand them over (the server's answer set a cookie for that only). When the tablet is locked
 * (or new), the server's key opens the data key and `{needsPin: true}` asks for a new PIN.
 */
export async function logIn({ store, keyring, deviceId, username, password }) {
  try {
    await api.logIn({ username, password, deviceId, deviceLabel: deviceLabel() });
  } catch (error) {
    const code = error instanceof api.ApiError && error.code;
    if (code === "device_revoked" || code === "device_replaced") {
      const unsent = await store.count("outbox");
      // never erase unsent entries: the PIN opens them to be handed over (the server's cookie may only do that)
      if (unsent) throw new SessionError("revoked_unsent", `Revoked: enter your PIN to hand ${unsent} unsent entries to the pharmacy.`);
      await wipe(store);
      throw new SessionError(code, error.message); // device_replaced: take a new id; device_revoked: keep this one
    }
    if (error instanceof api.OfflineError) throw new SessionError("offline", "Logging in needs a connection to the server. Try again when online.");
    throw error;
  }
  const { data } = await api.deviceKey();
  await store.setMeta("lock_after_min", data.lock_after_min || DEFAULT_LOCK_MIN);
  if (keyring.unlocked) return { needsPin: false };
  await keyring.openWithServerKey(data.wrap_key);
  return { needsPin: true };
}

/** Log out: refused while any entry is unsynced; then the server session ends and patient data goes. */
export async function logOut({ store, keyring, workspace }) {
  const unsynced = workspace ? workspace.outbox.pendingCount() : await store.count("outbox");
  if (unsynced > 0) {
    const noun = unsynced === 1 ? "entry is" : "entries are";
    throw new SessionError("unsynced", `${unsynced} ${noun} not synced yet. Sync before logging out (nothing is lost meanwhile).`);
  }
  try {
    await api.logOut();
  } catch (error) {
    if (error instanceof api.OfflineError) throw new SessionError("offline", "Logging out needs a connection (the server ends the session). Lock the tablet instead.");
    if (!(error instanceof api.ApiError && error.status === 401)) throw error;
  }
  if (workspace) workspace.close();
  await store.clearPatientData();
  keyring.lock();
}

/** Erase everything on this tablet (a revoked device). */
export async function wipe(store) {
  store.close();
  await deleteStore(store.name);
}

/** Everything open while unlocked; `close()` forgets it (the data key goes with the keyring's lock). */
export class Workspace {
  static async open({ store, keyring, deviceId }) {
    const workspace = new Workspace();
    workspace.store = store;
    workspace.deviceId = deviceId;
    workspace.vault = new Vault(store, keyring.dataKey);
    workspace.journal = await new Journal(store, keyring.dataKey, deviceId).load();
    workspace.inbox = await new Inbox({ store, vault: workspace.vault, journal: workspace.journal }).load();
    workspace.outbox = await new Outbox({
      store, vault: workspace.vault, journal: workspace.journal, deviceId, inbox: workspace.inbox,
    }).load();
    return workspace;
  }

  get reference() {
    return this.inbox.document;
  }

  close() {
    this.outbox.stop();
    this.journal.items.clear();
    this.journal.dataKey = null;
    this.vault.dataKey = null;
    this.inbox.reference = null;
  }
}
