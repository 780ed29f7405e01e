// PINs a nurse may not choose: guessable in a few tries by anyone who picks up the tablet.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { pinWeakness } from "../../pwa/lazy/pin_rule.js";

describe("choosing a PIN", () => {
  for (const [pin, reason] of [
    ["000000", "same"], ["777777", "same"],
    ["123456", "in order"], ["654321", "in order"], ["890123", "in order"], ["210987", "in order"],
    ["121212", "pattern"], ["123123", "pattern"], ["909090", "pattern"],
    ["001985", "year"], ["002024", "year"], ["198500", "year"], ["202600", "year"],
  ]) {
    test(`${pin} is refused (${reason})`, () => assert.match(pinWeakness(pin), new RegExp(reason)));
  }

  for (const pin of ["482916", "731905", "135790", "112358", "001885", "190019"]) {
    test(`${pin} is accepted`, () => assert.equal(pinWeakness(pin), null));
  }
});
