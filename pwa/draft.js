// The entry form she was writing when the tablet locked, or when it went to the background where the browser
// may end the page: sealed with the data key, opened again on its visit after the PIN (a walk lost a half-typed
// form to the idle lock). Writes and removals run one after another, so a removal never lands before a write.

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

/** Back in front and unlocked, with the form still open on the page: the sealed copy is not needed. */
export function dropDraft(app) {
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
  sealed = false;
  await inTurn(() => app.store.delete("docs", DRAFT));
  if (!visitRow(app.workspace.reference, draft.visitId)) {
    notify("The entry you were writing belongs to a visit no longer on this tablet.", "warning");
    return;
  }
  history.replaceState(null, "", `#/visit/${draft.visitId}`);
  route();
  await app.screen.restore(draft);
}
