// The pump's state through a visit: idle, running, paused, stopped (port of
// server/clinical/infusion_state.py). One transition table says what each event does to the pump; an
// event that does not fit is reported with a problem code and, where the pump's real state is clear,
// still applied (a start while running means the pump now runs at that rate: a rate change).

const move = (state, effect, problem = null) => ({ state, effect, problem });

const TABLE = {
  'infusion.started|idle': move('running', 'start'),
  'infusion.started|stopped': move('running', 'start'),
  'infusion.started|running': move('running', 'change', 'already_running'),
  'infusion.started|paused': move('running', 'resume', 'already_running'),
  'infusion.rate_changed|running': move('running', 'change'),
  'infusion.paused|running': move('paused', 'pause'),
  'infusion.resumed|paused': move('running', 'resume'),
  'infusion.resumed|running': move('running', 'change', 'not_paused'),
  'infusion.stopped|running': move('stopped', 'stop'),
  'infusion.stopped|paused': move('stopped', 'stop'),
  'visit.ended|running': move('stopped', 'stop'),
  'visit.ended|paused': move('stopped', 'stop'),
};

const MISFIT = {
  'infusion.rate_changed': 'no_running_infusion',
  'infusion.paused': 'no_running_infusion',
  'infusion.stopped': 'no_running_infusion',
  'infusion.resumed': 'not_paused',
};

const PROBLEM_TEXT = {
  no_running_infusion: 'There is no running infusion at this time to change, pause or stop',
  not_paused: 'The infusion is not paused at this time, so it cannot be resumed',
  already_running: 'The infusion is already running at this time',
};

// What an event of `kind` does to a pump in `state` {state, effect, problem} (others change nothing).
export function transition(state, kind) {
  return TABLE[`${kind}|${state}`] ?? move(state, 'ignore', MISFIT[kind] ?? null);
}

// The nurse-facing text for an infusion event that does not fit the pump's state.
export function infusionProblemText(code) {
  return PROBLEM_TEXT[code];
}
