// Getting into the tablet: log in online (once, or when the PIN is lost), choose a PIN, unlock with
// it. The unlock screen may show when the open visit's next checks fall due: times only, never
// patient data. `app` is the tablet's state (app.js); `hooks` are app.js's own steps.

import { DEFAULT_LOCK_MIN, SessionError, logIn } from "./session.js";
import { visitRow } from "./visit_model.js";
import { button, h } from "./views/dom.js";
import { pinView } from "./views/login.js";

/** `hooks`: show(element), enter(), route(), restartAfterWipe(text, keepId), now(). */
export function unlockScreens(app, hooks) {
  const { show, enter, route, restartAfterWipe, now } = hooks;

  async function showEntry({ message = null, warning = null } = {}) {
    if (app.keyring.unlocked) return enter();
    if (await app.keyring.hasPin()) return showUnlock(message);
    const lost = await app.keyring.hasData();
    return showLogin({
      message: message || (lost ? "Log in online to set a new PIN. Entries not yet synced are kept." : "Log in once online to set up this tablet."),
      warning,
    });
  }

  async function showLogin({ message = null, warning = null } = {}) {
    const { loginView } = await import("./lazy/login_view.js");
    show(loginView({
      message, warning, onCancel: app.keyring.unlocked ? route : null,
      onSubmit: async ({ username, password }) => {
        try {
          const { needsPin } = await logIn({ store: app.store, keyring: app.keyring, deviceId: app.deviceId, username, password });
          app.lockMin = await app.store.metaValue("lock_after_min", DEFAULT_LOCK_MIN);
          askPersistence();
          if (needsPin) return showSetPin();
          if (app.workspace) app.workspace.outbox.resume();
          return enter();
        } catch (error) {
          if (error instanceof SessionError && /^device_/.test(error.code)) return restartAfterWipe(error.message, error.code === "device_revoked" && app.deviceId);
          if (error instanceof SessionError && error.code === "revoked_unsent") {
            app.workspace?.outbox.resume(); // hand the entries over once unlocked
            return showEntry({ message: error.message });
          }
          throw error;
        }
      },
    }));
  }

  function showSetPin() {
    show(pinView({
      mode: "set", title: "Choose a 6-digit PIN", lead: "You will use it to unlock this tablet, also offline.",
      onPin: async (pin) => {
        await app.keyring.setPin(pin);
        await enter();
        return null;
      },
    }));
  }

  /** When the open visit's next checks fall due (times only: the lock screen shows no patient data). */
  function dueTimes() {
    const ws = app.workspace;
    const row = app.screen?.visitId && app.clinical && visitRow(ws.reference, app.screen.visitId);
    if (!row) return [];
    const state = app.clinical.fold(row.visit, ws.journal.foldEvents(row.visit.id, ws.reference.user.id), now());
    const next = state.infusion?.next_rate;
    return [["Next vitals", state.next_vitals_due_at], [next?.action === "interrupt" ? "Pause the pump" : "Rate step", next?.due_at]]
      .filter(([, at]) => at);
  }

  function paintDue() {
    if (!app.lockDue) return;
    app.lockDue.el.replaceChildren(...app.lockDue.times.map(([what, at]) => {
      const min = Math.ceil((new Date(at) - Date.now()) / 60000);
      return h("p", `${what} ${min > 0 ? `due in ${min} min` : min < 0 ? `overdue by ${-min} min` : "due now"}`);
    }));
  }

  function showUnlock(message = null, times = []) {
    app.lockDue = times.length ? { el: h("div.lock-due", { testid: "lock-due" }), times } : null;
    paintDue();
    show(pinView({
      mode: "unlock", title: "Enter your PIN", lead: message,
      onPin: async (pin) => {
        performance.mark("ivlog:pin-entered");
        const result = await app.keyring.unlock(pin);
        if (result.ok) {
          await enter();
          return null;
        }
        if (result.lockedOut) {
          showLogin({ warning: "Five wrong PINs: the PIN was erased. Log in online to set a new one; entries not yet synced are safe on this tablet." });
          return null;
        }
        return `Wrong PIN. ${result.remaining} attempt${result.remaining === 1 ? "" : "s"} left before the PIN is erased.`;
      },
      status: app.lockDue?.el, extra: button("Forgot PIN? Log in online", () => showLogin({ message: "Log in to set a new PIN." }), { kind: "secondary", testid: "forgot-pin" }),
    }));
  }

  function askPersistence() {
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().then((granted) => app.store.setMeta("storage_persisted", granted)).catch(() => {});
    }
  }

  return { showEntry, showLogin, showUnlock, dueTimes, paintDue };
}
