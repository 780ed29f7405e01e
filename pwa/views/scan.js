// Camera scan of a product barcode where the browser has BarcodeDetector; otherwise the lot is typed.

import { readProductCode } from "../gs1.js";
import { button, h } from "./dom.js";

const FORMATS = ["data_matrix", "code_128", "qr_code", "ean_13"];

export function canScan() {
  return typeof window.BarcodeDetector === "function" && Boolean(navigator.mediaDevices?.getUserMedia);
}

/** A "Scan barcode" button that fills `onFound({lot, expiry, ndc})`; null when scanning is impossible. */
export function scanButton(onFound, onError) {
  if (!canScan()) return null;
  const video = h("video", { class: "scan-video", playsinline: true, muted: true, hidden: true });
  let stream = null;
  const stop = () => {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.hidden = true;
  };
  const start = async () => {
    try {
      const detector = new window.BarcodeDetector({ formats: FORMATS });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const deadline = Date.now() + 20_000;
      while (stream && Date.now() < deadline) {
        const codes = await detector.detect(video);
        if (codes.length) {
          onFound(readProductCode(codes[0].rawValue));
          break;
        }
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
    } catch (error) {
      onError(`The camera could not read a barcode (${error.name || error.message}). Type the lot instead.`);
    } finally {
      stop();
    }
  };
  return h("div", { class: "scan" }, button("Scan barcode", start, { kind: "secondary", testid: "scan" }), video);
}
