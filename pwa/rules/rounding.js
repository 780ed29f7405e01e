// Rounding and number formatting shared with the server (port of server/clinical/rounding.py).
//
//   roundHalfUp(x, p) = floor(x * 10**p + 0.5 + 1e-9) / 10**p
//
// The 1e-9 guard absorbs binary representation error (1.005 * 100 == 100.49999999999999), so decimal
// halves written by people round up as they expect. Round only at the boundary (shown, stored, compared).

const EPSILON = 1e-9;

// Round half up (towards +infinity) to `places` decimals.
export function roundHalfUp(x, places = 0) {
  const scale = 10 ** places;
  return Math.floor(x * scale + 0.5 + EPSILON) / scale;
}

// Text for a number in a message: rounded half up, trailing zeros dropped (38.0 -> "38").
export function formatNumber(x, places = 1) {
  let text = roundHalfUp(x, places).toFixed(places);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}
