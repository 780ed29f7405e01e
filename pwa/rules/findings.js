// What a rule reports before the engine turns it into an alert (port of server/clinical/findings.py):
// the entries it is about (event_ids[0] is the one the alert belongs to) and the values for its message.

export function finding(event_ids, values = {}) {
  return { event_ids, values };
}
