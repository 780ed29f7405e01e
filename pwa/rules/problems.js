// Problems found in an event (port of server/clinical/problems.py): where (a dotted field path, or ""
// for the whole event), what (words a nurse understands) and a stable `code` that programs switch on.

export function problem(field, message, code) {
  return { field, message, code };
}

// An event that cannot be accepted as it is; `problems` lists every reason found.
export class EventInvalid extends Error {
  constructor(code, problems) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'EventInvalid';
    this.code = code;
    this.problems = [...problems];
  }
}
