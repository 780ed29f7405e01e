// The visit screen: panels that refresh after every save or pull, the entry buttons (with the
// reason when one is off, e.g. the anaphylaxis-kit gate), one open form at a time, the chart and
// the timeline. Panels re-render; an open form is never touched by a refresh.

import { hasForm, TITLES } from "../form_titles.js";
import { clock, countdown, num } from "../format.js";
import { availability, otherOrdersOf, plainState, productNames, productChoices, reactionTier, recommendedRate, startGate, visitRow } from "../visit_model.js";
import { button, fill, h } from "./dom.js";
import { revisionsWhileRunning } from "../orders_in_force.js";
import { startOffer } from "./start_visit.js";
import { alertsPanel, correctionsPanel, givenText, header, infusionPanel, protocolBanner, revisionsBanner, timeline } from "./visit_panels.js";

const GROUPS = [
  ["Record", ["vitals", "reaction.observed", "note"]],
  ["Before the infusion", ["assessment", "line.placed", "product.opened", "medication.given", "infusion.started"]],
  ["Pump", ["infusion.rate_changed", "infusion.paused", "infusion.resumed", "infusion.stopped", "line.assessed"]],
  ["After", ["line.removed", "line.left_in_place", "education", "signature", "visit.ended"]],
];

// Once the infusion has begun, the pump's buttons come first (a walk found Pause 1,400 px down, under the
// preparation's buttons, as a reaction's advice said to pause now) and the preparation's last.
const INFUSING = ["Pump", "Record", "After", "Before the infusion"];
const ordered = (titles) => titles.map((title) => GROUPS.find(([t]) => t === title));

// The forms and their builder load on the first tap (precached: offline too), outside the cold-start shell.
// An additional order's card as drawn, without the figures that grow with the clock.
const cardShape = (run) => ({ ...run, running_min: 0, volume_infused_ml: 0,
  segments: run.segments.map((s) => ({ ...s, duration_min: 0, volume_ml: 0 })) });
const loadForms = () => Promise.all([import("../lazy/entries.js"), import("../lazy/entry_form.js"), import("../lazy/entry_time.js")]);

/**
 * `app` gives: reference, clinical (or null), journal, outbox, authorId, userName, offline(), notify(text, kind),
 * save({visitId, kind, payload, occurredAt, resolves}) -> event, now() -> Date.
 */
export function visitScreen(app, row) {
  // Read again from the reference at each refresh: a pull brings the pharmacist's edit of a running visit's
  // order (its context), and the open screen must judge and show the order as it now is.
  let { visit, patient, order } = row;
  const parts = {
    head: h("div"), banner: h("div"), series: h("div"), safety: h("div"), alerts: h("div"), corrections: h("div"), infusion: h("div"), others: h("div"),
    actions: h("section.actions", { testid: "actions" }), form: h("div.form-slot"),
    chart: h("div"), timeline: h("section.timeline-wrap"),
  };
  let state = null;
  let openForm = null;

  const events = () => app.journal.foldEvents(visit.id, app.authorId);
  const computeState = () => (app.clinical ? app.clinical.fold(visit, events(), app.now()) : plainState(events()));

  const formContext = () => ({
    order, others: otherOrdersOf(visit), patient, products: productChoices(app.reference, [order, ...otherOrdersOf(visit)]), userName: app.userName, recommendedRate: recommendedRate(state, +app.now()),
    // after a reaction: reason "reaction" (not when lowering to a target that holds: that is the order)
    reaction: /lower|hold|interrupt/.test(state?.infusion?.next_rate?.action) && !state?.infusion?.next_rate?.held_by,
    infused: state ? state.infusion.first_start !== null : undefined,
    titrates: state?.protocol?.kind !== "fixed_dose",  // a bag at its order's rate has no titration to preset
  });

  const candidate = (kind, payload, occurredAt) => {
    const now = app.now().toISOString();
    return { id: "preview-entry", visit_id: visit.id, kind, schema: 1, occurred_at: occurredAt || now, recorded_at: now,
      payload, device_id: app.deviceId, device_seq: Number.MAX_SAFE_INTEGER, author_id: app.authorId };
  };

  const closeForm = () => {
    openForm = null;
    app.formClosed();
    fill(parts.form);
    parts.actions.hidden = false;
    refresh();
    window.scrollTo(0, 0); // back to the alerts, which the entry may just have raised
  };

  const save = async (fields) => {
    await app.save({ visitId: visit.id, ...fields });
    closeForm();
  };

  const rateTop = () => {
    const next = state?.infusion?.next_rate;
    if (next?.rate_ml_h == null) return null;
    return h("p.recommendation", { testid: "recommendation" }, `Recommended: ${num(next.rate_ml_h)} mL/h`,
      next.due_at ? h("span.countdown", { dataset: { due: next.due_at } }) : null);
  };

  // What a stop now leaves not given, said on the form before she saves it (a walk read it only after)
  const stopTop = () => (state && !state.infusion.dose_given && ["running", "paused"].includes(state.infusion.status)
    ? h("p.recommendation", { testid: "stop-leaves" }, `Stopped now: ${givenText(state.infusion, order, true)}`) : null);

  const vitalsTop = () => (state?.next_vitals_due_at
    ? h("p.recommendation", { testid: "vitals-due" }, `Check due ${clock(state.next_vitals_due_at)}`,
      h("span.countdown", { dataset: { due: state.next_vitals_due_at } }))
    : null);

  const reactionAdvice = (values) => {
    const tier = reactionTier(app.reference.rules, values.grade);
    if (!tier) return null;
    // The tier's advice is general (CLINICAL.md); what she may give is the order's list: said beside it
    // (a walk followed "acetaminophen ... per order" on an order that lists none, and raised an alert).
    const prn = [order, ...otherOrdersOf(visit)].flatMap((o) => o?.prn_orders ?? []);
    // with when each was last given, for whatever purpose (a walk's grade 1 advice read as "give acetaminophen"
    // minutes after its premedication)
    const given = premedsGiven();
    const listed = prn.map((p) => `${p.drug} ${num(p.dose)} ${p.unit} ${p.route}${p.indication ? ` (${p.indication})` : ""}${
      given[p.drug.toLowerCase()] ? `, last given ${clock(given[p.drug.toLowerCase()])}` : ""}`);
    return h("div.suggested", { testid: "suggested-actions" },
      h("p", h("strong", `Suggested for grade ${values.grade} (${tier.when}):`)),
      h("ol", (tier.actions_by_protocol_kind?.[state?.protocol?.kind] ?? tier.actions).map((a) => h("li", a))),
      h("p", { testid: "order-prn" }, listed.length ? `The order's PRN and reaction orders: ${listed.join("; ")}. Give only what the order lists.`
        : "The order lists no PRN or reaction medication."));
  };

  // The checks this entry would fail if saved now (vitals due before an increase, the observation before
  // the end), shown while the nurse is on the form, before she acts: folded as the grace period ends.
  const dueChecks = (payloadFrom, warningLines, kind, values) => {
    const { payload, problems } = payloadFrom(kind, values, { occurredAt: app.now().toISOString() });
    const later = new Date(+app.now() + (app.reference.rules.vitals_schedule.grace_min + 1) * 6e4);
    const raised = app.clinical && !problems.length ? app.clinical.preview(visit, events(), candidate(kind, payload), later) : [];
    return raised.length ? h("div.form-warning", { testid: "due-checks" }, warningLines(raised)) : null;
  };

  // `keep`: fields of the entry the form does not show, kept by a correction (an additional order's order_id).
  const showForm = async (kind, opened = {}) => {
    const { values = {}, occurredAt = null, amendOf = null, resolves = null, title = null, keep = {}, reason = null, kept = false } = opened;
    const [{ FORMS, payloadFrom }, { entryForm, warningLines }, { whenProblem }] = await loadForms();
    const spec = FORMS[kind];
    // a form kept over a lock says so on itself, and goes with it (a notice at the top stayed for the day: a walk)
    const top = [kept ? h("p.banner.warning", { role: "status", testid: "form-kept" },
      "The entry you were writing is open again: check it and its time, then save.") : null,
      spec.rate ? rateTop() : null, kind === "vitals" ? vitalsTop() : null,
      kind === "infusion.stopped" && !amendOf && !keep.order_id ? stopTop() : null];
    const form = entryForm({
      kind, context: { ...formContext(), correcting: Boolean(amendOf) }, values, occurredAt, title, top, amend: Boolean(amendOf), reason,
      when: (at) => whenProblem(at, { now: app.now(), startedAt: state?.time_in ?? null }),
      check: app.clinical ? (k, payload) => app.clinical.check(k, { ...payload, ...keep }) : null,
      preview: app.clinical && !amendOf ? (payload, at) => [...app.clinical.preview(visit, events(), candidate(kind, { ...payload, ...keep }, at), app.now()),
        ...(kind === "infusion.started" ? assessmentAlerts() : [])] : null,
      onChange: (values) => [spec.reaction ? reactionAdvice(values) : null, amendOf ? null : dueChecks(payloadFrom, warningLines, kind, values)],
      onCancel: closeForm,
      onVoid: amendOf && authorMay(kind, "void")
        ? (why) => save({ kind: "entry.voided", payload: { target_id: amendOf, reason: why }, occurredAt: app.now().toISOString() }) : null,
      onSave: (payload, at, reason) => (amendOf
        ? save({ kind: "entry.amended", payload: { target_id: amendOf, payload: { ...payload, ...keep }, payload_schema: 1, reason }, occurredAt: app.now().toISOString() })
        : save({ kind, payload: { ...payload, ...keep }, occurredAt: at, resolves })),
    });
    openForm = form;
    openForm.opened = { kind, amendOf, resolves, title, keep };
    for (const type of ["input", "click"]) form.element.addEventListener(type, app.formEdited);
    parts.actions.hidden = true;
    fill(parts.form, form.element);
    form.element.scrollIntoView({ block: "start" });
  };

  // A start is confirmed over what the pre-assessment flagged (fever, poor hydration, identity, weight), as over its
  // own warnings: a walk's start asked about premedication timing and said nothing of a febrile, dry patient.
  const assessmentAlerts = () => {
    const assessed = new Set((state?.entries ?? []).filter((e) => e.kind === "assessment").map((e) => e.event_id));
    return (state?.alerts ?? []).filter((a) => a.event_ids.some((id) => assessed.has(id)));
  };
  // the rule book's entry_authority: whether an entry's author may amend or void it (a signature: neither)
  const authorMay = (kind, action) => app.reference.rules.entry_authority?.kinds?.[kind]?.[action] === "author";
  const groupsNow = () => (state?.infusion?.first_start == null ? GROUPS : ordered(INFUSING));

  // Each ordered premedication, and when that drug was last given, for whatever purpose (a walk found a given one
  // offered as if it was not, and then a premedication's time shown after a later dose of it for a reaction).
  // A dose once the infusion has begun is no premedication: for the reaction still open, else PRN (a walk's
  // "give again" during a reaction was preset to Premedication).
  const purposeNow = () => (state?.infusion?.first_start == null ? "premed" : ongoing() ? "reaction" : "prn");
  const premedsGiven = () => Object.fromEntries((state?.medications ?? []).map((m) => [m.drug.toLowerCase(), m.at]));
  const premedButtons = (off, given) => (order?.premeds || []).map((p) => [p, given[p.drug.toLowerCase()]]).map(([p, at]) => button(
    at ? `${p.drug} last given ${clock(at)} · give again` : `Give ${p.drug} ${num(p.dose)} ${p.unit} ${p.route}`,
    () => showForm("medication.given", { values: { drug: p.drug, dose: String(p.dose), unit: p.unit, route: p.route, purpose: purposeNow() } }),
    { kind: "small", reason: off["medication.given"], testid: `premed-${p.drug}` }));

  // Whether a start of this pump (null: the visit's own order's) waits for the kit check: where the rule book's
  // kit rule covers it, and always without a clinical engine; and why it waits now (null: it does not).
  const kitGated = (orderId = null) => !app.clinical || app.clinical.kitGates(visit, orderId);
  const startReason = (orderId) => startGate(state, { kit: kitGated(orderId) }).reason ?? null;

  // Redrawn only when what it offers changed (as the additional orders' panel): a sync pull that redrew
  // it unchanged swapped a button out from under the nurse's tap, and the tap was lost.
  const renderActions = () => {
    // The rule book says whether the kit check gates this start; the fold, whether a start now has no usable
    // product (start_not_ready: an override may pass it; nothing passes the kit gate).
    const unready = Boolean(app.clinical && state?.time_in) && app.clinical.preview(visit, events(), candidate("infusion.started", { rate_ml_h: 1 }))
      .some((a) => a.rule === "start_not_ready");
    const off = state?.time_in ? availability(state, { kit: kitGated(), unready }) : null;
    const given = premedsGiven();
    const shown = JSON.stringify([off, order?.premeds, given]);  // a pull may bring an edited premedication's dose
    if (parts.actions.dataset.shown === shown) return;
    parts.actions.dataset.shown = shown;
    if (!off) {
      return fill(parts.actions, ...startOffer(app, visit, { failed: () => delete parts.actions.dataset.shown, done: refresh }));
    }
    fill(parts.actions, groupsNow().map(([title, kinds]) => h("div.action-group", h("h2", title),
      h("div.action-grid", kinds.map((kind) => button(TITLES[kind], () => showForm(kind), {
        reason: off[kind], testid: `action-${kind}`, quiet: kind !== "infusion.started",
      }))),
      title === "Before the infusion" ? h("div.premeds", premedButtons(off, given),
        off.override ? button("Override: start anyway", () => showForm("infusion.started", { values: { override: true } }), { kind: "small", testid: "start-override" }) : null) : null)));
  };

  // A correction uses the entry's own form (only kinds that have one), filled with what was recorded.
  const correctForm = async (kind, payload, options) => {
    const [{ valuesFrom }] = await loadForms();
    // the same pump; the same reaction
    const keep = Object.fromEntries(["order_id", "reaction_id"].filter((name) => payload[name] != null).map((name) => [name, payload[name]]));
    return showForm(kind, { values: valuesFrom(kind, payload), title: `Correct: ${TITLES[kind]}`, keep, ...options });
  };
  // A correction of a start is a start: it waits for the kit check where that pump's own Start does.
  const correctionOff = (item) => (item.event.kind !== "infusion.started" ? null
    : startReason(item.event.payload.order_id ?? null));
  const correct = (item) => correctForm(item.event.kind, item.event.payload, { occurredAt: item.event.occurred_at, resolves: item.event.id });
  const amend = (entry) => correctForm(entry.kind, entry.payload, { amendOf: entry.event_id });
  // A reaction still ongoing has resolved: an entry of its own, at the time it subsided, naming the reaction
  // (a second reaction entry counted a reaction that never happened; a correction read "corrected": two walks).
  const ongoing = () => (state?.entries ?? []).filter((e) => e.kind === "reaction.observed"
    && ["ongoing", "improving"].includes(e.payload.outcome)).at(-1);
  const resolve = (entry) => showForm("reaction.resolved", { keep: { reaction_id: entry.event_id } });

  // Why each additional order's Start is off (null: on), for the cards that offer one: the visit has
  // ended, or a passed kit check is missing where the rule book's kit rule covers that order's pump.
  const otherStartsOff = () => Object.fromEntries((state?.other_orders ?? []).filter((run) => !["running", "paused"].includes(run.status))
    .map((run) => [run.order_id, state.time_out ? "The visit has ended."
      : startReason(run.order_id)]));

  function refresh() {
    ({ visit, patient, order } = visitRow(app.reference, visit.id) ?? { visit, patient, order });
    state = computeState();
    const quarantined = app.journal.needsCorrection(visit.id);
    const sync = { pending: app.outbox.pendingCount(visit.id), syncedAt: app.outbox.syncedAt[visit.id] || null, quarantined: quarantined.length };
    fill(parts.head, header({ patient, order, others: otherOrdersOf(visit), names: productNames(app.reference), state, sync }),
      revisionsBanner(revisionsWhileRunning(visit.context)));
    fill(parts.banner, protocolBanner(state));
    placeFraming();
    // Panels loaded on demand read what they need now: by the time the module arrives the tablet may
    // have been locked or wiped (app.clinical and app.reference gone).
    const rules = app.reference.rules;
    const context = app.clinical ? app.clinical.context(visit) : null;
    import("../lazy/series_line.js").then((m) => fill(parts.series, m.seriesLine(state, rules, productNames(app.reference))));
    if (context) import("../lazy/order_safety_panel.js").then(({ orderSafetyPanel }) => fill(parts.safety, orderSafetyPanel({ context, state })));
    fill(parts.alerts, alertsPanel(state, { offline: app.offline(), rulesMissing: !app.clinical, rulesUpdate: app.clinical?.updateWaiting ? app.clinical.skipped : null,
      sources: new Map((app.reference.rules?.rules ?? []).map((rule) => [rule.id, rule.source])) }));
    fill(parts.corrections, correctionsPanel(quarantined, (item) => (hasForm(item.event.kind) ? () => correct(item) : null), correctionOff, productNames(app.reference)));
    const reaction = ongoing();
    fill(parts.infusion, state?.time_in ? infusionPanel(state, order, reaction ? () => resolve(reaction) : null, reaction?.payload.outcome) : null);
    const pump = { save: async (kind, payload) => { await app.save({ visitId: visit.id, kind, payload, occurredAt: app.now().toISOString() }); refresh(); },
      check: app.clinical ? (k, p) => app.clinical.check(k, p) : null, startOff: otherStartsOff(),
      preview: app.clinical ? (k, p) => app.clinical.preview(visit, events(), candidate(k, p), app.now()) : null };
    // Redrawn only when what it shows changed: a sync pull redrawing it unchanged swapped the Start button
    // out from under the nurse's tap (the tap was lost; found by a flaky browser test).
    // What grows with the clock (minutes, volumes) is brought up to date in place, not redrawn.
    const shown = JSON.stringify([state?.time_in, (state?.other_orders ?? []).map(cardShape), Boolean(app.clinical), pump.startOff]);
    if (state?.other_orders?.length) {
      const redraw = parts.others.dataset.shown !== shown;
      parts.others.dataset.shown = shown;
      import("../lazy/other_orders_panel.js").then((m) => (redraw ? fill(parts.others, m.otherOrdersPanel(state, pump))
        : m.refreshOtherOrders(parts.others, state)));
    }
    if (!openForm) renderActions();
    if (!state) fill(parts.chart, null);
    else {
      const now = app.now().toISOString();
      import("../lazy/visit_chart.js").then((m) => fill(parts.chart, m.visitChart(state, now)));
    }
    fill(parts.timeline, h("h2", "Timeline"), state ? timeline(state, { pendingIds: app.outbox.pending, authorId: app.authorId,
      names: productNames(app.reference), onAmend: amend, canAmend: (e) => hasForm(e.kind) && authorMay(e.kind, "amend") }) : null);
    tick();
  }

  // The open form as written so far (kept sealed over a lock), and the same form opened again from it.
  const draft = () => (openForm ? { visitId: visit.id, ...openForm.opened, ...openForm.draft() } : null);
  const restore = ({ kind, ...draft }) => showForm(kind, { ...draft, kept: true });

  function tick() {
    openForm?.tick();
    const now = app.now();
    for (const el of element.querySelectorAll("[data-due]")) {
      const left = countdown(el.dataset.due, now);
      el.textContent = left ? ` ${left.text}` : "";
      el.classList.toggle("due", Boolean(left && left.due));
    }
  }

  // What frames the start (an unverified protocol, the patient's series, the order's safety findings) sits above
  // the alerts until the pump has run, then under the pump, its buttons and the open form: a walk's pump panel at
  // 1024x768 was under the fold.
  const placeFraming = () => {
    const framing = [parts.banner, parts.series, parts.safety];
    if (state?.infusion?.first_start) parts.form.after(...framing);
    else parts.alerts.before(...framing);
  };

  // the way back without hunting for the wordmark (a new user's walk found none)
  const back = h("a.back", { href: "#/", testid: "back-to-today" }, "← Today's visits");
  const element = h("section.visit", { testid: "visit", dataset: { visitId: visit.id } },
    back, parts.head, parts.banner, parts.series, parts.safety, parts.alerts,
    h("div.visit-body",
      h("div.col-main", parts.corrections, parts.infusion, parts.others, parts.actions, parts.form),
      h("div.col-side", parts.chart, parts.timeline)));
  refresh();
  return { element, refresh, tick, draft, restore, get state() { return state; } };
}
