// A product's barcode, from the camera or typed into the Lot field by a keyboard-wedge scanner, fills
// lot, expiry and NDC and says what it read (and that an expired product must not be used). Loaded
// when a product form opens; the camera's reader loads only when Scan is tapped.

import { button, h } from "../views/dom.js";
import { looksLikeGs1, readProductCode, scanSummary } from "./gs1.js";

const canScan = () => Boolean(navigator.mediaDevices?.getUserMedia);

/** Fill `slot` with the Scan button and what was read; watch `lotInput` for a scanner's code. */
export function mountScan(slot, lotInput, setValues) {
  const read = h("p.scan-read", { testid: "scan-read", "aria-live": "polite" });
  const expired = h("p.banner.danger", { role: "alert", testid: "scan-expired", hidden: true });
  const video = h("video.scan-video", { playsinline: true, muted: true, hidden: true });
  const apply = (text) => {
    const found = readProductCode(text);
    setValues({ lot: found.lot || "", expiry: found.expiry || "", ...(found.ndc ? { ndc: found.ndc } : {}) });
    const summary = scanSummary(found, new Date().toISOString().slice(0, 10));
    read.textContent = summary.text;
    expired.textContent = summary.expired || "";
    expired.hidden = !summary.expired;
  };
  let scanning = false;
  const scan = async (tap) => {
    const label = tap.currentTarget;
    if (scanning) { scanning = false; return; }
    scanning = true;
    label.textContent = "Stop camera";
    try {
      video.hidden = false;
      const camera = await import("./camera.js");
      const text = await camera.scanCode(video, { until: () => !scanning });
      if (text) apply(text);
      else if (scanning) read.textContent = "No barcode read. Scan again or type the lot.";
    } catch (error) {
      read.textContent = `The camera could not read a barcode (${error.name || error.message}). Type the lot instead.`;
    } finally {
      scanning = false;
      video.hidden = true;
      label.textContent = "Scan barcode";
    }
  };
  watchLot(lotInput, apply);
  slot.replaceChildren(...[canScan() ? button("Scan barcode", scan, { kind: "secondary", testid: "scan" }) : null,
    video, read, expired].filter(Boolean));
}

/** A wedge scanner types the whole code (often then Enter) faster than a person can. */
function watchLot(input, apply) {
  let timer = null;
  const check = () => {
    clearTimeout(timer);
    if (looksLikeGs1(input.value)) apply(input.value);
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 150); });
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); check(); } });
  check();
}
