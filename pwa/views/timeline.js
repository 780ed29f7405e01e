// The visit's timeline: every entry newest first, with its sync state, and for a corrected entry
// its original and every amendment (corrections never hide what was first recorded).

import { describe } from "../describe.js";
import { clock } from "../format.js";
import { amendable } from "../visit_model.js";
import { button, h } from "./dom.js";

function historyOf(entry) {
  if (!entry.history || entry.history.length === 0) return null;
  return h("ol", { class: "history", "data-testid": "entry-history" }, entry.history.map((version) => {
    const { text } = describe(entry.kind, version.payload);
    const what = version.change === "original" ? "Original" : `Amended ${clock(version.recorded_at)}${version.applied ? "" : " (not applied)"}`;
    return h("li", { class: version.change === "original" ? "original" : "amendment" },
      h("span", { class: "history-what" }, `${what}: `), text,
      version.reason ? h("span", { class: "history-reason" }, ` · reason: ${version.reason}`) : null);
  }));
}

function entryRow(entry, { pending, onAmend, alertIds }) {
  const { label, text } = describe(entry.kind, entry.payload);
  const badges = [
    pending.has(entry.event_id) ? h("span", { class: "badge pending" }, "not yet synced") : null,
    entry.amended ? h("span", { class: "badge amended" }, "corrected") : null,
    alertIds.has(entry.event_id) ? h("span", { class: "badge flagged" }, "alert") : null,
  ];
  return h("li", { class: "entry", dataset: { kind: entry.kind, eventId: entry.event_id }, "data-testid": "timeline-entry" },
    h("div", { class: "entry-main" },
      h("span", { class: "entry-time" }, clock(entry.occurred_at)),
      h("span", { class: "entry-label" }, label),
      h("span", { class: "entry-text" }, text), badges,
      amendable(entry) && onAmend ? button("Correct", () => onAmend(entry), { kind: "small secondary amend", testid: "amend" }) : null),
    historyOf(entry));
}

function voidedRow(item) {
  const { label, text } = describe(item.kind, item.payload);
  return h("li", { class: "entry voided" },
    h("div", { class: "entry-main" }, h("span", { class: "entry-time" }, clock(item.occurred_at)),
      h("span", { class: "entry-label" }, `${label} (voided)`), h("span", { class: "entry-text" }, text),
      h("span", { class: "history-reason" }, ` · reason: ${item.reason}`)));
}

export function timeline(state, { pendingIds, onAmend }) {
  const entries = [...(state.entries || [])].reverse();
  if (entries.length === 0) return h("p", { class: "muted" }, "No entries yet.");
  const alertIds = new Set((state.alerts || []).flatMap((a) => a.event_ids));
  return h("div", {},
    h("ol", { class: "timeline", "data-testid": "timeline" }, entries.map((e) => entryRow(e, { pending: pendingIds, onAmend, alertIds }))),
    (state.voided || []).length ? h("ol", { class: "timeline voided-list" }, state.voided.map(voidedRow)) : null);
}
