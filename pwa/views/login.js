// The PIN keypad, the screen a cold start shows (the online login is pwa/lazy/login_view.js, loaded
// when asked for: a tablet that is set up starts at the PIN).

import { PIN_LENGTH } from "../crypto.js";
import { h } from "./dom.js";

// The PIN keypad: big digits for gloved hands. Used to unlock, and to choose a new PIN (twice).

/**
 * mode "unlock": `onPin(pin)` resolves to a message to show (wrong PIN) or null when done.
 * mode "set": asks twice, then `onPin(pin)`. `extra` is shown under the pad (e.g. "Forgot PIN"),
 * `status` above it (what falls due while locked).
 */
export function pinView({ mode, title, lead = null, onPin, extra = null, status = null }) {
  let digits = "";
  let first = null;
  let busy = false;
  const dots = h("div.pin-dots", { "aria-live": "polite", testid: "pin-dots" });
  const message = h("p.pin-message", { role: "alert", testid: "pin-message" });
  const heading = h("h1", title);
  const setDigits = (text) => {
    digits = text;
    dots.replaceChildren(...Array.from({ length: PIN_LENGTH }, (_, i) => h(i < digits.length ? "span.dot.on" : "span.dot")));
  };
  const startOver = () => {
    first = null;
    heading.textContent = title;
  };
  const finish = async () => {
    const pin = digits;
    setDigits("");
    if (mode === "set" && first === null) {
      const { pinWeakness } = await import("../lazy/pin_rule.js");
      const weak = pinWeakness(pin);
      message.textContent = weak ? `Choose another PIN: ${weak}` : "";
      if (weak) return;
      first = pin;
      heading.textContent = "Enter the same PIN again";
      return;
    }
    if (mode === "set" && first !== pin) {
      startOver();
      message.textContent = "The two PINs differ. Choose a PIN again.";
      return;
    }
    busy = true;
    message.textContent = mode === "unlock" ? "Checking…" : "Saving…";
    try {
      const answer = await onPin(pin);
      message.textContent = answer || "";
      if (answer && mode === "set") startOver();
    } catch (error) {
      message.textContent = error.message || String(error);
      startOver();
    } finally {
      busy = false;
    }
  };
  const press = (digit) => {
    if (busy || digits.length >= PIN_LENGTH) return;
    setDigits(digits + digit);
    if (digits.length === PIN_LENGTH) finish();
  };
  const key = (label, action, testid) => h("button.key", { type: "button", testid, onclick: action }, label);
  const pad = h("div.keypad",
    [..."123456789"].map((d) => key(d, () => press(d), `key-${d}`)),
    key("Clear", () => setDigits(""), "key-clear"), key("0", () => press("0"), "key-0"),
    key("⌫", () => setDigits(digits.slice(0, -1)), "key-back"));
  const onKey = (event) => {
    if (!document.body.contains(pad)) { document.removeEventListener("keydown", onKey); return; }
    if (/^[0-9]$/.test(event.key)) press(event.key);
    else if (event.key === "Backspace") setDigits(digits.slice(0, -1));
  };
  document.addEventListener("keydown", onKey);
  setDigits("");
  return h("section.card.narrow.pin", { testid: `pin-${mode}` }, heading, lead ? h("p.lead", lead) : null,
    status, dots, message, pad, extra);
}
