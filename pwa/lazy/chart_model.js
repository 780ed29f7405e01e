// The visit chart as numbers (pure): where each rate step and each vital sign sits in an SVG of a
// given size. Three bands share the time axis: pump rate (mL/h), heart rate and systolic BP, temperature;
// the pump's pauses shade all three.

const MARGIN = { left: 52, right: 12, top: 10, bottom: 26 };
const TICK_EDGE = 20; // half a time label's width, as the review page's chart
const BANDS = [["rate", 0.45], ["hr", 0.32], ["temp", 0.23]];

const ms = (iso) => new Date(iso).getTime();

// Every pump's segments: the visit's own, then each additional order's (a pre-hydration's saline).
const allSegments = (state) => [...(state.segments || []), ...(state.other_orders || []).flatMap((run) => run.segments)];

function span(state, nowMs) {
  const times = [];
  if (state.time_in) times.push(ms(state.time_in));
  for (const seg of allSegments(state)) times.push(ms(seg.start), seg.end ? ms(seg.end) : nowMs);
  for (const v of state.vitals || []) times.push(ms(v.at));
  if (state.time_out) times.push(ms(state.time_out));
  if (times.length === 0) return null;
  const open = !state.time_out && (state.infusion?.status === "running" || state.infusion?.status === "paused");
  const start = Math.min(...times);
  const end = Math.max(...times, open ? nowMs : -Infinity);
  return { start, end: end > start ? end : start + 30 * 60_000 };
}

function bandBoxes(height) {
  const usable = height - MARGIN.top - MARGIN.bottom;
  let y = MARGIN.top;
  const boxes = {};
  for (const [name, share] of BANDS) {
    boxes[name] = { top: y, height: usable * share - 6 };
    y += usable * share;
  }
  return boxes;
}

function scale(domainLow, domainHigh, box) {
  return (value) => box.top + box.height - ((value - domainLow) / (domainHigh - domainLow)) * box.height;
}

const round = (n) => Math.round(n * 10) / 10;

/** Everything the chart draws, or null when the visit has nothing to chart yet. */
/** The axis's top as a round number (a walk read an unexplained "433": the 393.6 limit plus a tenth): up to a
 *  half of the value's leading power of ten (433 -> 450, 77 -> 80, 1100 -> 1500). */
export function niceCeil(value) {
  const half = 10 ** Math.floor(Math.log10(value)) / 2;
  return Math.ceil(value / half) * half;
}

export function chartModel(state, nowIso, { width = 640, height = 260 } = {}) {
  const nowMs = ms(nowIso);
  const range = span(state, nowMs);
  if (!range) return null;
  const x = (t) => round(MARGIN.left + ((t - range.start) / (range.end - range.start)) * (width - MARGIN.left - MARGIN.right));
  const boxes = bandBoxes(height);
  const segments = state.segments || [];
  const rateMax = niceCeil(Math.max(10, state.protocol?.limit_ml_h || 0, ...allSegments(state).map((s) => s.rate_ml_h)) * 1.1);
  const yRate = scale(0, rateMax, boxes.rate);
  const steps = (list) => list.map((seg) => ({
    x1: x(ms(seg.start)), x2: x(seg.end ? ms(seg.end) : nowMs), y: round(yRate(seg.rate_ml_h)), rate: seg.rate_ml_h,
  }));
  const rateSteps = steps(segments);
  // each additional order's pump, a line of its own (a walk found the saline's 90 min missing from the chart)
  const otherSteps = (state.other_orders || []).filter((run) => run.segments.length)
    .map((run) => ({ orderId: run.order_id, product: run.product_name, steps: steps(run.segments) }));
  const vitals = state.vitals || [];
  const hrValues = vitals.flatMap((v) => [v.hr, v.sbp]).filter((n) => n != null);
  const yHr = scale(Math.min(40, ...hrValues), Math.max(180, ...hrValues), boxes.hr);
  const temps = vitals.map((v) => v.temp_c).filter((n) => n != null);
  const yTemp = scale(Math.min(35, ...temps), Math.max(40, ...temps), boxes.temp);
  const points = (name, y) => vitals.filter((v) => v[name] != null).map((v) => ({ x: x(ms(v.at)), y: round(y(v[name])), value: v[name] }));
  // the visit's pump paused: a band over every row, so the vital signs taken meanwhile read against it
  const pauses = (state.pauses || []).map((pause) => ({
    x1: x(ms(pause.start)), x2: x(Math.min(pause.end ? ms(pause.end) : nowMs, range.end)), reason: pause.reason,
    start: pause.start, end: pause.end,
  }));
  const ticks = [];
  const stepMs = (range.end - range.start) > 3 * 3600_000 ? 3600_000 : 1800_000;
  // a label near an edge hangs inward, never past the frame (a tick at the chart's end was cut off in CI)
  const anchor = (at) => (at - MARGIN.left < TICK_EDGE ? "start" : width - MARGIN.right - at < TICK_EDGE ? "end" : "middle");
  for (let t = Math.ceil(range.start / stepMs) * stepMs; t <= range.end; t += stepMs) {
    ticks.push({ x: x(t), at: new Date(t).toISOString(), anchor: anchor(x(t)) });
  }
  return {
    width, height, margin: MARGIN, boxes, ticks, rateSteps, otherSteps, pauses, rateMax: Math.round(rateMax),
    hr: points("hr", yHr), sbp: points("sbp", yHr), temp: points("temp_c", yTemp),
    feverLine: round(yTemp(38)), nowX: x(Math.min(nowMs, range.end)),
  };
}
