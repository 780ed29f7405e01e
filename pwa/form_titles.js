// The kinds a nurse enters through a form, with each form's title: all the first screen needs (the
// action buttons, which entries can be corrected). The forms themselves (lazy/entries.js) load on the
// first tap, outside the cold-start shell, and take their titles from here.

export const TITLES = {
  assessment: "Pre-assessment",
  "line.placed": "Line placement",
  "line.assessed": "Line check",
  "product.opened": "Product and lot",
  "medication.given": "Medication",
  "infusion.started": "Start infusion",
  "infusion.rate_changed": "Rate change",
  vitals: "Vital signs",
  "reaction.observed": "Reaction",
  "reaction.resolved": "Reaction resolved",
  "infusion.paused": "Pause infusion",
  "infusion.resumed": "Resume infusion",
  "infusion.stopped": "Stop infusion",
  "line.removed": "Line removed",
  "line.left_in_place": "Line left in place",
  education: "Education",
  note: "Note",
  signature: "Nurse signature",
  "visit.ended": "End visit",
};

/** Whether entries of this kind have a form (to enter, amend or correct them). */
export const hasForm = (kind) => Object.hasOwn(TITLES, kind);
