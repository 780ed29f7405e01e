// Reading a product barcode (GS1 DataMatrix / GS1-128 element strings) into form fields:
// (01) GTIN-14 -> the NDC inside a US GTIN, (17) expiry YYMMDD, (10) lot, (21) serial. Pure.
// The same text arrives three ways: from the camera, from a keyboard-wedge scanner typing into the
// Lot field (with or without its "]d2"/"]C1" symbology prefix and group separators), or typed by
// hand in the printed "(01)...(17)...(10)..." form. Loaded on demand (not needed at cold start).

const GS = "\u001d";
// Fixed-length AIs (GS1 General Specifications, figure 7.8.5-1) that may precede a lot or serial.
const FIXED = { "00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2 };
const VARIABLE = { "10": 20, "21": 20, "22": 20, "30": 8, "37": 8 };
const PREFIX = /^(\][A-Za-z]\d)/;

function lastDay(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** "261231" -> "2026-12-31"; day "00" means the month's last day. Null when unreadable. */
export function expiryFrom(yymmdd) {
  if (!/^\d{6}$/.test(yymmdd)) return null;
  const year = 2000 + Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  let day = Number(yymmdd.slice(4, 6));
  if (month < 1 || month > 12) return null;
  if (day === 0) day = lastDay(year, month);
  if (day > lastDay(year, month)) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The 10-digit NDC carried in a US GTIN-14 ("0" + "03" + NDC + check digit), or null. */
function ndcFromGtin(gtin) {
  return /^\d03\d{11}$/.test(gtin) ? gtin.slice(3, 13) : null;
}

function bracketed(text) {
  const found = {};
  for (const match of text.matchAll(/\((\d{2})\)([^(]*)/g)) found[match[1]] = match[2].split(GS).join("").trim();
  return found;
}

/** A wedge scanner that drops the GS leaves "10LOT17YYMMDD": the lot, then a trailing real date. */
function trailingExpiry(ai, value) {
  const match = /^(.+?)17(\d{6})$/.exec(value);
  return match && expiryFrom(match[2]) ? { [ai]: match[1], 17: match[2] } : {};
}

/** Element strings in a row; a variable-length one ends at a GS or at the end. Unknown AI: stop. */
function packed(text) {
  const found = {};
  let rest = text;
  while (rest.length >= 2) {
    const ai = rest.slice(0, 2);
    if (FIXED[ai]) {
      found[ai] = rest.slice(2, 2 + FIXED[ai]);
      rest = rest.slice(2 + FIXED[ai]);
    } else if (VARIABLE[ai]) {
      const end = rest.indexOf(GS, 2);
      found[ai] = (end === -1 ? rest.slice(2) : rest.slice(2, end)).slice(0, VARIABLE[ai]);
      rest = end === -1 ? "" : rest.slice(end);
      if (end === -1 && !found["17"]) Object.assign(found, trailingExpiry(ai, found[ai]));
    } else {
      break;
    }
    rest = rest.replace(/^\u001d+/, "");
  }
  return found;
}

/** The AIs of a scanned or typed code, `{"01": "...", "10": "..."}`; empty when it is not GS1. */
export function elements(raw) {
  const text = String(raw || "").trim().replace(PREFIX, "").replace(/^\u001d+/, "");
  if (/^\(\d{2}\)/.test(text)) return bracketed(text);
  if (!/^(01\d{14}|0[02]\d|1[0-7]\d|21)/.test(text)) return {};
  return packed(text);
}

/** Whether a Lot field's text is a whole GS1 code (a scanner's), not a lot typed by hand. */
export function looksLikeGs1(raw) {
  const found = elements(raw);
  return Boolean(found["01"] && (found["10"] || found["17"] || found["21"])) || String(raw || "").includes(GS)
    || /^\s*(\][A-Za-z]\d|\(\d{2}\))/.test(String(raw || ""));
}

/**
 * `{lot, expiry, ndc, gtin, serial, bad}` (each may be missing) from a scanned code; a plain code is
 * taken as the lot. `bad` names what was present but unreadable (an impossible expiry date).
 */
export function readProductCode(raw) {
  const text = String(raw || "").trim();
  if (!text) return {};
  const found = elements(text);
  if (!found["01"] && !found["10"] && !found["17"]) return { lot: text.slice(0, 40) };
  const out = {
    lot: found["10"] && found["10"].slice(0, 40), expiry: found["17"] && expiryFrom(found["17"]),
    ndc: found["01"] && ndcFromGtin(found["01"]), gtin: found["01"], serial: found["21"],
  };
  if (found["17"] && !out.expiry) out.bad = `expiry "${found["17"]}" is not a date`;
  for (const key of Object.keys(out)) if (!out[key]) delete out[key];
  return out;
}

/** What the nurse sees after a scan: what was read, and a refusal when the product has expired. */
export function scanSummary(read, today) {
  const parts = [["lot", read.lot], ["expiry", read.expiry], ["NDC", read.ndc], ["serial", read.serial]]
    .filter(([, value]) => value).map(([name, value]) => `${name} ${value}`);
  const said = parts.length ? `Read from the barcode: ${parts.join(", ")}.` : "The barcode held no lot or expiry.";
  const bad = read.bad ? ` Not read: ${read.bad}; enter it by hand.` : "";
  const expired = read.expiry && read.expiry < today ? `Expired on ${read.expiry}: do not use this product.` : null;
  return { text: said + bad, expired };
}
