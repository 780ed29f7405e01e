// The entry form she is writing, sealed with the data key a moment after each edit, and again when the tablet
// locks or goes to the background where the browser may end the page; opened again on its visit after the PIN
// (walks lost a half-typed form to the idle lock, and to a reload offline: a page being unloaded does not wait
// for a seal, so the copy must already be there). Dropped when the form closes, saved or cancelled. Writes and
// removals run one after another, so a removal never lands before a write.

import { Vault } from "./vault.js";
import { visitRow } from "./visit_model.js";

const DRAFT = "draft";
let queue = Promise.resolve();
let sealed = false; // this page sealed one: only then is there a copy to drop on return (no write at every return)
const inTurn = (work) => {
  const done = queue.then(work);
  queue = done.catch(() => {});
  return done;
};

/** True when a form was open and is being sealed: with the key taken now, as the seal finishes after the lock. */
export function keepDraft(app, notify) {
  const draft = app.screen?.draft?.();
  if (!draft) return false;
  const vault = new Vault(app.store, app.keyring.dataKey);
  sealed = true;
  inTurn(() => vault.write(DRAFT, draft)).catch((error) => notify(`The entry being written could not be kept: ${error.message}`, "danger"));
  return true;
}

const SEAL_AFTER_EDIT_MS = 700;
let soon = null;

/** She typed or tapped in the open form: sealed once the edits pause (a seal per keystroke would be waste). */
export function keepDraftSoon(app, notify) {
  clearTimeout(soon);
  soon = setTimeout(() => { if (app.keyring?.unlocked) keepDraft(app, notify); }, SEAL_AFTER_EDIT_MS);
}

/** The form closed (saved, cancelled or voided): its sealed copy goes, before a reload could open it again. */
export function dropDraft(app) {
  clearTimeout(soon);
  if (!sealed) return;
  sealed = false;
  const { store } = app;
  inTurn(() => store.delete("docs", DRAFT)).catch((error) => console.error("ivlog: draft not dropped", error));
}

/** Open the kept form again on its visit, once, after the PIN (an unlock, or a restart of an ended page). */
export async function restoreDraft(app, { route, notify }) {
  await queue; // a seal begun as it locked is in
  const draft = await app.workspace.vault.read(DRAFT);
  if (!draft || !app.workspace.reference) return; // kept until the visit list is here to open it on
  if (!visitRow(app.workspace.reference, draft.visitId)) {
    sealed = false;
    await inTurn(() => app.store.delete("docs", DRAFT));
    notify("The entry you were writing belongs to a visit no longer on this tablet.", "warning");
    return;
  }
  sealed = true; // the copy stays until the form closes: a second reload before any edit opens it again
  history.replaceState(null, "", `#/visit/${draft.visitId}`);
  route();
  await app.screen.restore(draft);
}
