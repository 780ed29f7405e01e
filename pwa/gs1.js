// Reading a product barcode (GS1 DataMatrix / GS1-128 element strings) into form fields:
// (01) GTIN-14 -> the NDC inside a US GTIN, (17) expiry YYMMDD, (10) lot. Pure.

const GS = "\u001d";
const FIXED = { "01": 14, "11": 6, "15": 6, "17": 6 };
const VARIABLE = new Set(["10", "21"]);

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

function elements(text) {
  const found = {};
  if (text.includes("(")) {
    for (const match of text.matchAll(/\((\d{2})\)([^(]*)/g)) found[match[1]] = match[2].replace(GS, "");
    return found;
  }
  let rest = text.replace(/^\]d2|^\]C1|^\]Q3/, "");
  while (rest.length >= 2) {
    const ai = rest.slice(0, 2);
    if (FIXED[ai]) {
      found[ai] = rest.slice(2, 2 + FIXED[ai]);
      rest = rest.slice(2 + FIXED[ai]).replace(/^\u001d/, "");
    } else if (VARIABLE.has(ai)) {
      const end = rest.indexOf(GS, 2);
      found[ai] = end === -1 ? rest.slice(2) : rest.slice(2, end);
      rest = end === -1 ? "" : rest.slice(end + 1);
    } else {
      break;
    }
  }
  return found;
}

/** `{lot, expiry, ndc}` (each may be missing) from a scanned code; a plain code is taken as the lot. */
export function readProductCode(raw) {
  const text = String(raw || "").trim();
  if (!text) return {};
  const found = elements(text);
  if (!found["01"] && !found["10"] && !found["17"]) return { lot: text.slice(0, 40) };
  const out = {};
  if (found["10"]) out.lot = found["10"].slice(0, 40);
  if (found["17"]) out.expiry = expiryFrom(found["17"]);
  if (found["01"]) out.ndc = ndcFromGtin(found["01"]);
  for (const key of Object.keys(out)) if (!out[key]) delete out[key];
  return out;
}
