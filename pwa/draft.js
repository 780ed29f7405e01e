// The entry form she was writing when the tablet locked: sealed with the data key as the lock forgets
// it, opened again on its visit after the unlock (a walk lost a half-typed form to the idle lock).

import { Vault } from "./vault.js";
import { visitRow } from "./visit_model.js";

const DRAFT = "draft";

/** True when a form was open and is being sealed: with the key taken now, as the seal finishes after the lock. */
export function keepDraft(app, notify) {
  const draft = app.screen?.draft?.();
  if (!draft) return false;
  new Vault(app.store, app.keyring.dataKey).write(DRAFT, draft)
    .catch((error) => notify(`The entry being written could not be kept over the lock: ${error.message}`, "danger"));
  return true;
}

/** Open the kept form again on its visit, once, after an unlock (or a restart that followed a lock). */
export async function restoreDraft(app, { route, notify }) {
  const draft = await app.workspace.vault.read(DRAFT);
  if (!draft || !app.workspace.reference) return; // kept until the visit list is here to open it on
  await app.workspace.vault.remove(DRAFT);
  if (!visitRow(app.workspace.reference, draft.visitId)) {
    notify("The entry being written when the tablet locked belongs to a visit no longer on this tablet.", "warning");
    return;
  }
  history.replaceState(null, "", `#/visit/${draft.visitId}`);
  route();
  await app.screen.restore(draft);
  notify("The entry you were writing when the tablet locked is open again: check it and its time, then save.", "warning");
}
