// One entry form, built from its description in lazy/entries.js: big touch targets, numeric keypads,
// a one-tap "Now" for times, field errors beside the field, and before saving a preview of the
// alerts the entry would raise (a rate change or an opened product that breaks the protocol, e.g. an
// expired one, must be confirmed). Also the barcode scan that fills a product form.

import { FORMS, optionsOf, payloadFrom } from "./entries.js";
import { fromLocalInput, toLocalInput } from "../format.js";
import { button, fill, h } from "../views/dom.js";

// A date-time box shows whole minutes; `instant()` keeps the seconds of the moment it was filled with
// (the form opened, "Now" tapped, the entry corrected) while the nurse leaves it as it is, so entries
// made within one minute keep the order she made them in. A minute she types is that minute.
// `follow`: a new entry's box follows the clock until she changes it or saves (a walk's vitals, typed
// 25 minutes after the form opened, were recorded at the opening); `pin()` stops it.
function timeInput(name, label, initial, onchange, { id = null, follow = false } = {}) {
  let filledAt = initial instanceof Date ? initial : null;
  let following = follow && filledAt !== null;
  const input = h("input.time-input", { type: "datetime-local", name, id, value: filledAt ? toLocalInput(filledAt) : initial,
    "aria-label": label, oninput: () => { following = false; onchange(); } });
  const now = h("button.btn.now", { type: "button", testid: `${name}-now`, onclick: () => {
    following = false;
    filledAt = new Date();
    input.value = toLocalInput(filledAt);
    onchange();
  } }, "Now");
  const tick = () => {
    if (!following) return;
    filledAt = new Date();
    if (input.value !== toLocalInput(filledAt)) input.value = toLocalInput(filledAt);
  };
  const pin = () => { tick(); following = false; };
  const instant = () => (filledAt && input.value === toLocalInput(filledAt) ? filledAt.toISOString() : fromLocalInput(input.value));
  return { input, instant, tick, pin, get following() { return following; }, row: h("div.time-row", input, now) };
}

const isOn = {
  one: (values, name, value) => values[name] === value,
  many: (values, name, value) => (values[name] || []).includes(value),
  yesno: (values, name, value) => values[name] === (value === "yes"),
};

function choose(mode, field, values, value) {
  if (mode === "yesno") {
    values[field.name] = value === "yes";
  } else if (mode === "one") {
    values[field.name] = values[field.name] === value && !field.required ? undefined : value;
  } else {
    // "No complications noted" stands alone (server/clinical/payload_checks.py): a tap chooses it, as a radio
    // button does (a second tap used to take it away and leave the field empty); a complication tapped takes
    // its place.
    const set = new Set(value === "no_complications" ? [] : values[field.name] || []);
    if (set.has(value)) set.delete(value); else set.add(value);
    if (value !== "no_complications") set.delete("no_complications");
    values[field.name] = [...set];
  }
}

/** Segmented buttons: one of (mode "one"), any of ("many"), or Yes/No ("yesno"). */
function choiceWidget(field, options, values, changed, mode) {
  const group = h("div.choices", { role: mode === "many" ? "group" : "radiogroup", "aria-label": field.label });
  const paint = () => {
    for (const el of group.children) el.setAttribute("aria-pressed", String(isOn[mode](values, field.name, el.dataset.value)));
  };
  for (const [value, label] of options) {
    group.append(h("button.choice", {
      type: "button", dataset: { value }, testid: `${field.name}-${value}`,
      onclick: () => { choose(mode, field, values, value); paint(); changed(); },
    }, label));
  }
  paint();
  group.repaint = paint;
  return group;
}

function inputWidget(field, values, changed) {
  const common = { name: field.name, id: `f-${field.name}`, testid: `field-${field.name}`, oninput: (e) => { values[field.name] = e.target.value; changed(); } };
  const initial = values[field.name] ?? "";
  if (field.type === "longtext") return h("textarea", { ...common, rows: 3, maxlength: 2000, value: initial });
  if (field.type === "date") return h("input", { ...common, type: "date", value: initial });
  if (field.type === "time") {
    const time = timeInput(field.name, field.label, initial,  // "" stays empty: a correction keeps each recorded time
      () => { values[field.name] = time.input.value; changed(); }, { id: `f-${field.name}` });
    return time.row;
  }
  const numeric = field.type === "number" || field.type === "integer";
  return h("input", {
    ...common, type: "text", value: initial, autocomplete: "off", spellcheck: "false",
    inputmode: numeric ? (field.type === "integer" ? "numeric" : "decimal") : "text",
    autocapitalize: field.autocapitalize || (numeric ? "off" : "sentences"), maxlength: numeric ? 8 : 200,
  });
}

function widget(field, context, values, changed) {
  if (field.type === "choice") return choiceWidget(field, optionsOf(field, context), values, changed, "one");
  if (field.type === "multi") return choiceWidget(field, optionsOf(field, context), values, changed, "many");
  if (field.type === "yesno") return choiceWidget(field, [["yes", "Yes"], ["no", "No"]], values, changed, "yesno");
  return inputWidget(field, values, changed);
}

/** The initial values: given ones, else each field's default for this visit. */
function initialValues(form, context, given) {
  const values = { ...given };
  for (const field of form.fields) {
    if (values[field.name] !== undefined || !field.default) continue;
    const value = field.default(context);
    if (value === undefined || value === null) continue;
    values[field.name] = field.type === "number" || field.type === "integer" ? String(value) : value;
  }
  return values; // a time field starts empty: the entry's own time stands for it (one fixed at opening preceded the entry)
}

const CONFIRM_PAUSE_MS = 1000;

// What "Save anyway" means on each kind of form: a product that should not be used is replaced, not
// authorized (a walk read "only if the prescriber says so" under an expired lot).
function confirmWords(form) {
  if (form.confirms) return "Correct what was mistyped, or tap \"Save anyway\" to record it as it is.";
  if (form.scan) return "Do not use it: open another product. Tap \"Save anyway\" only to record one already opened.";
  return "Tap \"Save anyway\" only if the order or the prescriber says so.";
}

// Alerts as a form says them: the critical first and marked so (a start at ten times the rate does not
// read like a premedication's timing).
export function warningLines(alerts) {
  const ranked = [...alerts].sort((a, b) => (b.severity === "critical") - (a.severity === "critical"));
  return ranked.map((a) => h("p", a.severity === "critical" ? h("strong", "CRITICAL ") : null, a.message));
}

/**
 * The form element. Options: kind, context (order, patient, products, userName, recommendedRate),
 * values (to amend or correct, or a draft kept over a lock), occurredAt, reason (an amendment's, so far),
 * when(occurredAt) -> why that time cannot be the entry's, or null (lazy/entry_time.js),
 * check(kind, payload) -> problems, preview(payload, occurredAt) -> new alerts, onSave(payload, occurredAt,
 * reason) -> promise, onCancel, amend (ask a reason), onVoid(reason) -> promise (a correction may void the
 * entry instead: "Entered in error"), top (extra). Returns draft() and tick() besides.
 */
export function entryForm(options) {
  const { kind, context, check, preview, onSave, onCancel, amend = false, top = null, title = null } = options;
  const form = FORMS[kind];
  const values = initialValues(form, context, options.values || {});
  const rows = new Map();
  const errors = new Map();
  const general = h("div.form-errors", { role: "alert", testid: "form-errors" });
  const warning = h("div.form-warning", { role: "alert", testid: "form-warning" });
  const extra = h("div.form-extra");
  let confirmedFor = null;
  const when = timeInput("occurred_at", "When", options.occurredAt ? new Date(options.occurredAt) : new Date(), () => changed(),
    { follow: !options.occurredAt && !amend });
  const reason = amend ? h("textarea", { name: "amend_reason", id: "f-amend_reason", rows: 2, maxlength: 2000, testid: "field-amend_reason",
    value: options.reason ?? "" }) : null;
  let editedAt = new Date();

  const changed = () => {
    editedAt = new Date();
    confirmedFor = null;
    fill(warning);
    save.textContent = "Save";
    save.classList.remove("confirm");
    if (voider) { delete voider.dataset.asked; voider.textContent = "Entered in error: void it"; }
    for (const field of form.fields) rows.get(field.name).hidden = Boolean(field.showIf && !field.showIf(values));
    if (options.onChange) fill(extra, options.onChange(values));
  };

  const scanSlot = form.scan ? h("div.scan") : null; // filled on demand by lazy/product_scan.js
  const fieldRows = form.fields.map((field) => {
    const err = h("p.field-error", { testid: `error-${field.name}` });
    errors.set(field.name, err);
    const label = h("label.field-label", { for: `f-${field.name}` }, field.label, field.unit ? h("span.unit", ` (${field.unit})`) : null);
    const hint = field.hint ? field.hint(values, context) : null; // what the box means as the form opens
    // a field's error goes once she changes that field (a walk saw the identity error stay after the second pick)
    const edited = () => { err.textContent = ""; changed(); };
    const row = h("div.field", { dataset: { field: field.name } }, label, widget(field, context, values, edited),
      hint ? h("p.field-hint", { testid: `hint-${field.name}` }, hint) : null, err);
    rows.set(field.name, row);
    return row;
  });

  const showProblems = (problems) => {
    for (const err of errors.values()) err.textContent = "";
    fill(general);
    for (const problem of problems) {
      const name = String(problem.field || "").split(".")[0];
      if (errors.has(name)) errors.get(name).textContent = problem.message;
      else general.append(h("p", problem.message));
    }
  };

  const attempt = async () => {
    when.pin(); // the time she saves at, and the same one if she must confirm
    const occurredAt = amend ? new Date().toISOString() : when.instant();
    const built = payloadFrom(kind, values, { occurredAt });
    let problems = built.problems;
    if (!occurredAt) problems = [...problems, { field: "", message: "When: enter a date and time" }];
    const late = occurredAt && !amend && options.when ? options.when(occurredAt) : null;
    if (late) problems = [...problems, { field: "", message: late }];
    if (amend && !reason.value.trim()) problems = [...problems, { field: "", message: "Give the reason for the correction" }];
    if (problems.length === 0 && check) problems = check(kind, built.payload);
    showProblems(problems);
    if (problems.length) return;
    const raised = preview ? preview(built.payload, occurredAt) : [];
    const key = JSON.stringify([built.payload, occurredAt]);
    const asked = Array.isArray(form.confirms) ? raised.filter((a) => form.confirms.includes(a.rule)) : raised;
    if ((form.rate || form.scan || form.confirms) && asked.length && confirmedFor !== key) {
      // a stop is a fact to record: checked, never talked out of (its pump reading may be a slip of a digit)
      const note = form.confirmNote ? form.confirmNote(values, context) : null;
      fill(warning, h("p.warning-title", form.confirms ? "Check before saving; this would flag:" : "This breaks the protocol:"),
        warningLines(asked), note ? h("p", { testid: "confirm-note" }, h("strong", note)) : null, h("p", confirmWords(form)));
      confirmedFor = key;
      // "Save anyway" looks unlike Save, waits a moment (a double tap recorded an expired lot in a walk) and
      // the warning is brought into view above the button bar
      save.textContent = "Save anyway";
      save.classList.add("confirm");
      save.disabled = true;
      setTimeout(() => { save.disabled = false; }, CONFIRM_PAUSE_MS);
      warning.scrollIntoView?.({ block: "nearest" });
      return;
    }
    save.disabled = true;
    save.textContent = "Saving…";
    await onSave(built.payload, occurredAt, reason ? reason.value.trim() : null);
  };

  /** Every failure (a check, the store, a full disk) ends on the form, in words; nothing hangs. */
  const submit = async () => {
    try {
      await attempt();
    } catch (error) {
      showProblems([{ field: "", message: error.message || String(error) }]);
      save.disabled = false;
      save.textContent = "Save";
    }
  };

  const save = h("button.btn.primary", { type: "button", testid: "save-entry", onclick: submit }, "Save");
  // A duplicate or an entry on the wrong visit is voided, not amended: it stays listed as voided, with the reason
  // (a walk saved a premedication twice and could only change its dose).
  // Asked twice: a void takes the entry out of the visit's picture (a walk voided a running pump's start in one
  // tap, and the visit read "Not Started").
  const voidEntry = async () => {
    if (!reason.value.trim()) return showProblems([{ field: "", message: "Give the reason it was entered in error" }]);
    if (!voider.dataset.asked) {
      voider.dataset.asked = "yes";
      fill(warning, h("p.warning-title", "Void this entry?"), h("p", kind.startsWith("infusion.")
        ? "The pump's record changes with it: its rate, state and volume are counted without this entry."
        : "It leaves the visit's record of care and stays listed as voided, with your reason."));
      voider.textContent = "Void it";
      voider.disabled = true;
      setTimeout(() => { voider.disabled = false; }, CONFIRM_PAUSE_MS);
      warning.scrollIntoView?.({ block: "nearest" });
      return null;
    }
    voider.disabled = true;
    try {
      await options.onVoid(reason.value.trim());
    } catch (error) {
      showProblems([{ field: "", message: error.message || String(error) }]);
      voider.disabled = false;
    }
  };
  const voider = amend && options.onVoid
    ? h("button.btn.danger", { type: "button", testid: "void-entry", onclick: voidEntry }, "Entered in error: void it") : null;
  const element = h("section.entry-form", { testid: `form-${kind}`, "aria-label": title || form.title },
    h("h2", title || form.title), top, scanSlot, extra,
    amend ? null : h("div.field", h("label.field-label", "When"), when.row),
    fieldRows,
    amend ? h("div.field", h("label.field-label", { for: "f-amend_reason" }, "Reason for correction"), reason) : null,
    general, warning,
    h("div.form-actions", save, voider, button("Cancel", onCancel, { kind: "secondary", testid: "cancel-entry" })));
  changed();
  /** Fill fields from outside (a scanned barcode): text inputs and choices show the new values. */
  const setValues = (updates) => {
    Object.assign(values, updates);
    for (const [name, value] of Object.entries(updates)) {
      const row = rows.get(name);
      const input = row && row.querySelector("input, textarea");
      if (input && input.type !== "datetime-local") input.value = value ?? "";
      const group = row && row.querySelector(".choices");
      if (group && group.repaint) group.repaint();
    }
    changed();
  };
  if (scanSlot) {
    import("./product_scan.js").then((m) => m.mountScan(scanSlot, rows.get("lot").querySelector("input"), setValues))
      .catch((error) => { scanSlot.textContent = `Scanning is unavailable (${error.message}): type the lot.`; });
  }
  // What she has written so far, to keep over a lock: the time she last changed it while "When" still followed the clock.
  const draft = () => ({ values: { ...values }, occurredAt: when.following ? editedAt.toISOString() : when.instant(),
    reason: reason?.value ?? null });
  return { element, values, setValues, draft, tick: when.tick };
}
