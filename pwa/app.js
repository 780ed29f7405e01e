// ivlog on the tablet: start-up, the screens (today, visit; getting in is unlock.js), the idle lock and
// the sync triggers. Everything clinical is in rules.js, everything stored in store.js, sending in outbox.js.

import { Keyring } from "./keyring.js";
import { DEFAULT_LOCK_MIN, REVOKED_TEXT, Workspace, deviceIdOf, logOut, tabletCode, wipe } from "./session.js";
import { openStore } from "./store.js";
import { clinicalFor, plainState, visitRow } from "./visit_model.js";
import { fill, h } from "./views/dom.js";
import { todayView } from "./views/today.js";
import { topbar } from "./views/topbar.js";
import { unlockScreens } from "./unlock.js";
import { visitScreen } from "./views/visit.js";
import { dropDraft, keepDraft, keepDraftSoon, restoreDraft } from "./draft.js";

const root = document.getElementById("app");
const bar = h("div.bar-slot");
const main = h("main", { id: "main" });
const app = {
  store: null, deviceId: null, keyring: null, workspace: null, clinical: null, screen: null,
  lockMin: DEFAULT_LOCK_MIN, lastActivity: Date.now(), notice: null, wiping: false, lockDue: null,
};

const now = () => new Date();

function fatal(text) {
  fill(root, h("section.card.narrow", h("h1", "ivlog cannot start"), h("p.banner.danger", { role: "alert" }, text)));
}

function notify(text, kind = "info") {
  app.notice = text ? { text, kind } : null;
  renderBar();
}

function show(element, { withBar = false } = {}) {
  app.screen = null;
  fill(bar, null);
  if (withBar) renderBar();
  fill(main, element);
}

const { showEntry, showLogin, showUnlock, dueTimes, paintDue } = unlockScreens(app, { show, enter, route, restartAfterWipe, now });

/** Forget what was open while unlocked (the keyring's lock forgets the data key). */
// A form left open on a visit when she goes to another screen waits for her there, in memory until the tablet
// locks (a walk lost a half-typed set of vital signs to "← Today's visits").
const heldForms = new Map();

function closeWorkspace() {
  if (app.workspace) app.workspace.close();
  app.workspace = null;
  app.clinical = null;
  heldForms.clear();
}

/** The tablet's store, its identity and its keyring (a new, empty store after a wipe, with `keepId`). */
async function openDevice(keepId) {
  app.store = await openStore();
  if (keepId) await app.store.setMeta("device_id", keepId);
  app.deviceId = await deviceIdOf(app.store);
  app.keyring = new Keyring(app.store, app.deviceId);
}

/** A revoked tablet keeps its (revoked) id, so it cannot register afresh unless an administrator allows it. */
async function restartAfterWipe(text, keepId) {
  closeWorkspace();
  await openDevice(keepId);
  showLogin({ warning: text });
}

/** The server says an administrator revoked this tablet and has every entry: erase it now. */
async function wipeRevoked(text) {
  if (app.wiping) return;
  app.wiping = true;
  try {
    closeWorkspace();
    app.keyring.lock();
    await wipe(app.store);
    await restartAfterWipe(text || REVOKED_TEXT, app.deviceId);
  } finally {
    app.wiping = false;
  }
}

async function buildClinical() {
  const ws = app.workspace;
  const clinical = await clinicalFor(ws?.reference, app.clinical);
  if (app.workspace !== ws) return; // locked or logged out meanwhile
  app.clinical = clinical;
  const lockMin = app.workspace?.reference?.lock_after_min; // the organization's, set by an administrator
  if (lockMin && lockMin !== app.lockMin) {
    app.lockMin = lockMin;
    app.store.setMeta("lock_after_min", lockMin);
  }
}

async function enter() {
  if (!app.workspace) {
    app.workspace = await Workspace.open({ store: app.store, keyring: app.keyring, deviceId: app.deviceId });
    const { outbox, inbox } = app.workspace;
    outbox.addEventListener("change", () => {
      if (outbox.status.revoked) return wipeRevoked(outbox.status.error);
      renderBar();
      refreshScreen();
    });
    inbox.addEventListener("change", async () => { await buildClinical(); refreshScreen(true); });
  }
  app.lastActivity = Date.now();
  app.lockDue = null;
  if (app.workspace.journal.unreadable.length) {
    notify(`${app.workspace.journal.unreadable.length} stored entries could not be decrypted on this tablet. Call your administrator.`, "danger");
  }
  await buildClinical();
  if (!app.workspace.reference) {
    try {
      await app.workspace.inbox.refreshReference();
      await buildClinical();
    } catch {
      notify("The visit list is not on this tablet yet: connect once to download it.", "warning");
    }
  }
  route();
  await restoreDraft(app, { route, notify });
  app.workspace.outbox.flush();
}

function lock() {
  if (!app.keyring.unlocked) return;
  let times = [];
  try {
    times = dueTimes();
  } catch (error) {
    console.error("ivlog: due times failed", error); // the lock must happen regardless
  }
  const kept = keepDraft(app, notify);
  closeWorkspace();
  app.keyring.lock();
  showUnlock(kept ? "Locked after inactivity or by you. The entry you were writing opens again when you unlock."
    : "Locked after inactivity or by you.", times);
}

function renderBar() {
  const ws = app.workspace;
  if (!ws || !app.keyring.unlocked) return;
  const { outbox } = ws;
  fill(bar, topbar({
    userName: ws.reference?.user?.display_name, tablet: tabletCode(app.deviceId), status: outbox.status, pending: outbox.pendingCount(), keptAside: ws.journal.needsCorrection().length,
    oldest: outbox.oldestPendingAt(), offline: isOffline(), now: now(), notice: app.notice,
    onSync: () => outbox.syncNow(), onLock: lock, onHome: () => { location.hash = "#/"; },
    onLogin: () => showLogin({ message: "Your session ended. Log in again to sync; nothing was lost." }),
    onLogout: async () => {
      try {
        await logOut({ store: app.store, keyring: app.keyring, workspace: ws });
        app.workspace = null;
        app.clinical = null;
        showLogin({ message: "Logged out. This tablet holds no patient data now." });
      } catch (error) {
        notify(error.message, "danger");
      }
    },
  }));
}

function isOffline() {
  const status = app.workspace?.outbox.status;
  return !navigator.onLine || (status && status.state === "offline");
}

function visitInfo(visitId) {
  const ws = app.workspace;
  const row = visitRow(ws.reference, visitId);
  const events = ws.journal.foldEvents(visitId, ws.reference.user.id);
  let state = plainState(events);
  try {
    if (app.clinical) state = app.clinical.fold(row.visit, events, now());
  } catch (error) {
    console.error("ivlog: fold failed", error);
  }
  return {
    status: events.length ? state.status : row.visit.status, alerts: state.alerts.length,
    pending: ws.outbox.pendingCount(visitId), quarantined: ws.journal.needsCorrection(visitId).length,
    syncedAt: ws.outbox.syncedAt[visitId] || null,
  };
}

function screenApi() {
  const ws = app.workspace;
  return {
    get reference() { return ws.reference; }, // refreshed by pulls: always the current one
    get clinical() { return app.clinical; },
    journal: ws.journal, outbox: ws.outbox, deviceId: app.deviceId,
    authorId: ws.reference.user.id, userName: ws.reference.user.display_name, offline: isOffline, now, notify,
    formEdited: () => keepDraftSoon(app, notify), formClosed: () => dropDraft(app),
    save: async (fields) => {
      try {
        const event = await ws.outbox.save(fields);
        if (app.notice && app.notice.kind === "danger") notify(null); // an earlier failure is over
        return event;
      } catch (error) {
        notify(error.message, "danger");
        throw error;
      }
    },
  };
}

function route() {
  if (!app.keyring.unlocked || !app.workspace) return;
  const reference = app.workspace.reference;
  const match = /^#\/visit\/([0-9a-f-]{36})$/.exec(location.hash);
  const row = match && reference ? visitRow(reference, match[1]) : null;
  const leaving = app.screen?.draft?.();
  if (leaving && leaving.visitId !== row?.visit.id) heldForms.set(leaving.visitId, leaving);
  if (row) {
    const screen = visitScreen(screenApi(), row);
    show(screen.element, { withBar: true });
    app.screen = { ...screen, visitId: row.visit.id };
    const waiting = heldForms.get(row.visit.id);
    heldForms.delete(row.visit.id);
    if (waiting) screen.restore(waiting);
    performance.mark("ivlog:visit-ready");
    return;
  }
  const render = () => todayView({ reference, now: now(), info: visitInfo, onOpen: (id) => { location.hash = `#/visit/${id}`; } });
  show(reference ? render() : h("p.muted", "Waiting for the visit list…"), { withBar: true });
  app.screen = { element: main.firstChild, refresh: () => fill(main, reference ? render() : null), tick: () => {} };
}

function refreshScreen(rebuild = false) {
  if (!app.screen || !app.workspace) return;
  if (rebuild && !app.screen.visitId) return route();
  try {
    app.screen.refresh();
  } catch (error) {
    console.error("ivlog: refresh failed", error);
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => console.error("ivlog: service worker", error));
}

function watchActivity() {
  const idleTooLong = () => Date.now() - app.lastActivity > app.lockMin * 60_000;
  const touch = () => { app.lastActivity = Date.now(); };
  // Any touch, pen, mouse or key counts as use, not only a saved entry.
  for (const type of ["pointerdown", "pointermove", "touchstart", "wheel", "keydown", "input"]) document.addEventListener(type, touch, { capture: true, passive: true });
  setInterval(() => {
    if (app.keyring?.unlocked && idleTooLong()) lock();
    paintDue();
    if (app.screen) app.screen.tick();
  }, 1000);
  document.addEventListener("visibilitychange", () => {
    if (!app.keyring?.unlocked) return;
    // hidden, the browser may end the page (a tablet's app switcher): the open form is sealed now, and kept until
    // it closes (a reload later must find it too)
    if (document.visibilityState !== "visible") return keepDraft(app, notify);
    if (idleTooLong()) return lock();
    app.workspace?.outbox.flush();
  });
  window.addEventListener("online", () => { renderBar(); app.workspace?.outbox.syncNow(); });
  window.addEventListener("offline", renderBar);
  window.addEventListener("hashchange", route);
}

async function boot() {
  registerServiceWorker();
  try {
    await openDevice();
  } catch (error) {
    fatal(error.message || String(error));
    return;
  }
  app.lockMin = await app.store.metaValue("lock_after_min", DEFAULT_LOCK_MIN);
  fill(root, bar, main);
  watchActivity();
  await showEntry();
  document.documentElement.dataset.ready = "true";
  performance.mark("ivlog:entry-ready");
}

/** What tests and the bench may ask: ids, counts, and a visit's fold, never a key. */
window.ivlogProbe = Object.freeze({
  deviceId: () => app.deviceId,
  unlocked: () => Boolean(app.keyring && app.keyring.unlocked),
  pendingIds: () => (app.workspace ? [...app.workspace.outbox.pending] : null),
  syncStatus: () => (app.workspace ? { ...app.workspace.outbox.status } : null),
  syncNow: () => (app.workspace ? app.workspace.outbox.syncNow() : Promise.resolve()),
  fold: (visitId) => {
    const ws = app.workspace;
    const row = ws && visitRow(ws.reference, visitId);
    return row && app.clinical ? app.clinical.fold(row.visit, ws.journal.foldEvents(visitId, ws.reference.user.id), now()) : null;
  },
  save: (fields) => (app.workspace ? app.workspace.outbox.save(fields) : Promise.reject(new Error("locked"))),
});

boot().catch((error) => fatal(error.message || String(error)));
