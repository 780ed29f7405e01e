// Every start waits for the patient's identity, confirmed at the pre-assessment, whether or not the kit rule
// covers its order (pwa/visit_model.js startGate): a walk's pre-hydration could start before anyone had checked
// who the patient was.
import { test } from "node:test";
import assert from "node:assert/strict";

import { availability, startGate } from "../../pwa/visit_model.js";

const kit = { kit_present: true, kit_in_date: true, kit_undamaged: true };
const visit = (...entries) => ({ time_in: "2026-12-07T13:00:00Z", time_out: null, infusion: { status: "not_started" }, entries });
const assessed = (payload) => ({ kind: "assessment", payload });

test("no start before the pre-assessment, with or without the kit rule", () => {
  assert.match(startGate(visit(), { kit: true }).reason, /pre-assessment \(anaphylaxis kit check\)/);
  assert.match(startGate(visit(), { kit: false }).reason, /pre-assessment \(the patient's identity\)/);
  for (const gated of [true, false]) assert.match(availability(visit(), { kit: gated })["infusion.started"], /pre-assessment/);
});

test("an assessment without two identifiers holds every start", () => {
  const state = visit(assessed({ ...kit, identity: ["name"] }));
  assert.match(startGate(state, { kit: false }).reason, /two identifiers/);
});

test("an expired kit holds a start its rule covers, and not saline alone", () => {
  const state = visit(assessed({ ...kit, kit_in_date: false, identity: ["name", "birth_date"] }));
  assert.match(startGate(state, { kit: true }).reason, /expired/);
  assert.deepEqual(startGate(state, { kit: false }), { ok: true });
});

test("identity confirmed and the kit in order: every start is on", () => {
  const state = visit(assessed({ ...kit, identity: ["name", "birth_date"] }));
  assert.equal(availability(state, { kit: true })["infusion.started"], null);
});

test("once the line is out, its checks and its removal are off until a line is placed again", () => {
  const line = (kind) => ({ kind, payload: {} });
  const out = availability(visit(line("line.placed"), line("line.removed")));
  assert.equal(out["line.assessed"], "The line was removed.");
  assert.equal(out["line.removed"], "The line was removed.");
  assert.equal(out["line.placed"], null);
  assert.equal(availability(visit(line("line.placed"), line("line.removed"), line("line.placed")))["line.assessed"], null);
});
