// GS1 element strings as they reach the Lot field or the camera: with or without group separators,
// with a scanner's symbology prefix, or in the printed "(01)...(17)..." form.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { elements, expiryFrom, looksLikeGs1, readProductCode, scanSummary } from "../../pwa/lazy/gs1.js";

const GS = "\u001d";
const GTIN = "00309442492011";
const WANT = { lot: "LE12A", expiry: "2027-12-31", ndc: "0944249201", gtin: GTIN };

describe("GS1 element strings", () => {
  for (const [how, text] of [
    ["DataMatrix with its ]d2 prefix, lot last", `]d201${GTIN}17271231${GS}10LE12A`],
    ["GS1-128 with its ]C1 prefix", `]C101${GTIN}17271231${GS}10LE12A`],
    ["a leading FNC1 as GS (the camera library)", `${GS}01${GTIN}1727123110LE12A`],
    ["no prefix, no separators, lot last", `01${GTIN}1727123110LE12A`],
    ["lot before expiry, with the separator", `01${GTIN}10LE12A${GS}17271231`],
    ["lot before expiry, the scanner dropped the separator", `01${GTIN}10LE12A17271231`],
    ["the printed form", `(01)${GTIN}(17)271231(10)LE12A`],
    ["the printed form, lot first", `(01)${GTIN}(10)LE12A(17)271231`],
  ]) {
    test(`reads ${how}`, () => assert.deepEqual(readProductCode(text), WANT));
  }

  test("reads a serial (21) and stops a variable field at the separator", () => {
    assert.deepEqual(readProductCode(`01${GTIN}21SN99${GS}10LE12A${GS}17270600`),
      { ...WANT, expiry: "2027-06-30", serial: "SN99" });
  });

  test("a day of 00 is the month's last day; impossible dates are reported, not guessed", () => {
    assert.equal(expiryFrom("280200"), "2028-02-29");
    assert.equal(expiryFrom("271340"), null);
    assert.equal(expiryFrom("270230"), null);
    assert.deepEqual(readProductCode(`01${GTIN}17271340${GS}10LE12A`), { lot: "LE12A", ndc: "0944249201", gtin: GTIN, bad: 'expiry "271340" is not a date' });
  });

  test("a lot typed by hand stays the lot and is not taken for a code", () => {
    for (const lot of ["LE12A", "2024-77B", "10ABC", "17"]) {
      assert.deepEqual(readProductCode(lot), { lot });
      assert.equal(looksLikeGs1(lot), false, lot);
    }
    assert.deepEqual(elements("LE12A"), {});
  });

  test("a scanner's string is recognised as a code, however it arrives", () => {
    for (const text of [`]d201${GTIN}17271231${GS}10A`, `01${GTIN}1727123110A`, `(01)${GTIN}(10)A`, `10A${GS}17271231`]) {
      assert.equal(looksLikeGs1(text), true, JSON.stringify(text));
    }
  });

  test("the summary says what was read and refuses an expired product", () => {
    const read = readProductCode(`01${GTIN}17250131${GS}10OLD1`);
    const summary = scanSummary(read, "2026-12-05");
    assert.equal(summary.text, "Read from the barcode: lot OLD1, expiry 2025-01-31, NDC 0944249201.");
    assert.equal(summary.expired, "Expired on 2025-01-31: do not use this product.");
    assert.equal(scanSummary(readProductCode(`01${GTIN}17271231${GS}10A`), "2026-12-05").expired, null);
  });
});
