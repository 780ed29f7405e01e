// The camera's barcode reader, loaded by import() only when a nurse taps "Scan barcode" (it needs the
// vendored ZXing library, ~330 KB, which no cold start should pay for). Works where BarcodeDetector
// is missing (Chromium on Linux, Safari on iPad): frames are drawn to a canvas and decoded in JS.

import "../vendor/zxing-library.min.js";

const Z = globalThis.ZXing;
const MISSES = [Z.NotFoundException, Z.ChecksumException, Z.FormatException];

function reader() {
  const hints = new Map([
    [Z.DecodeHintType.POSSIBLE_FORMATS, [Z.BarcodeFormat.DATA_MATRIX, Z.BarcodeFormat.CODE_128, Z.BarcodeFormat.QR_CODE]],
    [Z.DecodeHintType.TRY_HARDER, true],
    [Z.DecodeHintType.ASSUME_GS1, true],
  ]);
  const multi = new Z.MultiFormatReader();
  multi.setHints(hints);
  return multi;
}

/** The text of a barcode drawn on `canvas`, or null when none is readable in it. */
export function decodeCanvas(canvas, multi = reader()) {
  const bitmap = new Z.BinaryBitmap(new Z.HybridBinarizer(new Z.HTMLCanvasElementLuminanceSource(canvas)));
  try {
    return multi.decodeWithState(bitmap).getText();
  } catch (error) {
    if (MISSES.some((kind) => error instanceof kind)) return null;
    throw error;
  }
}

/** The text of the first barcode in a still image (an <img> or ImageBitmap), or null. */
export function decodeImage(image) {
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth || image.width;
  canvas.height = image.naturalHeight || image.height;
  canvas.getContext("2d", { willReadFrequently: true }).drawImage(image, 0, 0);
  return decodeCanvas(canvas);
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Open the back camera into `video`, read frames until a barcode decodes, `until()` says stop or
 * `timeoutMs` passes; the camera is always released. The code's text, or null.
 */
export async function scanCode(video, { until = () => false, timeoutMs = 20_000 } = {}) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  try {
    video.srcObject = stream;
    await video.play();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const multi = reader();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !until()) {
      if (video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const text = decodeCanvas(canvas, multi);
        if (text) return text;
      }
      await pause(120);
    }
    return null;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
