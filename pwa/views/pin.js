// The PIN keypad: big digits for gloved hands. Used to unlock, and to choose a new PIN (twice).

import { PIN_LENGTH } from "../crypto.js";
import { h } from "./dom.js";

/**
 * mode "unlock": `onPin(pin)` resolves to a message to show (wrong PIN) or null when done.
 * mode "set": asks twice, then `onPin(pin)`. `extra` is shown under the pad (e.g. "Forgot PIN").
 */
export function pinView({ mode, title, lead = null, onPin, extra = null }) {
  let digits = "";
  let first = null;
  let busy = false;
  const dots = h("div", { class: "pin-dots", "aria-live": "polite", "data-testid": "pin-dots" });
  const message = h("p", { class: "pin-message", role: "alert", "data-testid": "pin-message" });
  const heading = h("h1", {}, title);
  const paint = () => {
    dots.replaceChildren(...Array.from({ length: PIN_LENGTH }, (_, i) => h("span", { class: i < digits.length ? "dot on" : "dot" })));
  };
  const finish = async () => {
    const pin = digits;
    digits = "";
    paint();
    if (mode === "set" && first === null) {
      first = pin;
      heading.textContent = "Enter the same PIN again";
      return;
    }
    if (mode === "set" && first !== pin) {
      first = null;
      heading.textContent = title;
      message.textContent = "The two PINs differ. Choose a PIN again.";
      return;
    }
    busy = true;
    message.textContent = mode === "unlock" ? "Checking…" : "Saving…";
    try {
      const answer = await onPin(pin);
      message.textContent = answer || "";
      if (answer && mode === "set") {
        first = null;
        heading.textContent = title;
      }
    } catch (error) {
      message.textContent = error.message || String(error);
      first = null;
      heading.textContent = title;
    } finally {
      busy = false;
    }
  };
  const press = (digit) => {
    if (busy || digits.length >= PIN_LENGTH) return;
    digits += digit;
    paint();
    if (digits.length === PIN_LENGTH) finish();
  };
  const key = (label, action, testid) => h("button", { type: "button", class: "key", "data-testid": testid, onclick: action }, label);
  const pad = h("div", { class: "keypad" },
    ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => key(d, () => press(d), `key-${d}`)),
    key("Clear", () => { digits = ""; paint(); }, "key-clear"), key("0", () => press("0"), "key-0"),
    key("⌫", () => { digits = digits.slice(0, -1); paint(); }, "key-back"));
  const onKey = (event) => {
    if (!document.body.contains(pad)) { document.removeEventListener("keydown", onKey); return; }
    if (/^[0-9]$/.test(event.key)) press(event.key);
    else if (event.key === "Backspace") { digits = digits.slice(0, -1); paint(); }
  };
  document.addEventListener("keydown", onKey);
  paint();
  return h("section", { class: "card narrow pin", "data-testid": `pin-${mode}` }, heading, lead ? h("p", { class: "lead" }, lead) : null,
    dots, message, pad, extra);
}

