// The small vitals/rate chart, drawn as SVG from chart_model.js (no chart library). Loaded when a visit
// screen draws it (precached: offline too), outside the cold-start shell.

import { clock, num } from "../format.js";
import { h, s } from "../views/dom.js";
import { chartModel } from "./chart_model.js";

// One vital sign over time: its line, and a dot per value (the value as its tooltip).
function series(points, name, label) {
  if (points.length === 0) return null;
  return [
    s(`polyline.chart-${name}-line`, { points: points.map((p) => `${p.x},${p.y}`).join(" ") }),
    points.map((p) => s(`circle.chart-${name}`, { cx: p.x, cy: p.y, r: 4 }, s("title", `${label} ${num(p.value, 1)}`))),
  ];
}

const VALUE_EM = 7; // the width of one character of an 11 px value label, near enough to keep it inside the frame

const pauseTitle = (pause) =>
  `paused ${clock(pause.start)}–${pause.end ? clock(pause.end) : "now"}${pause.reason ? ` (${pause.reason.replaceAll("_", " ")})` : ""}`;

export function visitChart(state, nowIso) {
  const model = chartModel(state, nowIso);
  if (!model) return h("p.muted", "The chart appears once the visit has vital signs or a running infusion.");
  const { width, height, margin, boxes } = model;
  const right = width - margin.right;
  const pathOf = (steps) => steps.map((step, i) => `${i === 0 ? "M" : "L"}${step.x1},${step.y} L${step.x2},${step.y}`).join(" ");
  const stepPath = pathOf(model.rateSteps);
  const bandLabel = (name, text) => s("text.chart-label", { x: 4, y: boxes[name].top + 12 }, text);
  const frame = (name) => s("rect.chart-band", { x: margin.left, y: boxes[name].top, width: right - margin.left, height: boxes[name].height });
  return h("figure.chart", { testid: "visit-chart" },
    s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Rate and vital signs over time", preserveAspectRatio: "xMidYMid meet" },
      frame("rate"), frame("hr"), frame("temp"),
      model.pauses.map((pause) => s("rect.chart-pause", { x: pause.x1, y: margin.top, width: Math.max(pause.x2 - pause.x1, 2),
        height: height - margin.top - margin.bottom }, s("title", pauseTitle(pause)))),
      bandLabel("rate", "mL/h"), bandLabel("hr", "HR · SBP"), bandLabel("temp", "°C"),
      s("text.chart-axis", { x: margin.left - 4, y: boxes.rate.top + 24, "text-anchor": "end" }, String(model.rateMax)),
      s("line.chart-fever", { x1: margin.left, x2: right, y1: model.feverLine, y2: model.feverLine }),
      model.ticks.map((t) => [
        s("line.chart-tick", { x1: t.x, x2: t.x, y1: margin.top, y2: height - margin.bottom }),
        s("text.chart-axis", { x: t.x, y: height - 8, "text-anchor": t.anchor }, clock(t.at)),
      ]),
      stepPath ? s("path.chart-rate", { d: stepPath }) : null,
      model.otherSteps.map((run) => s("path.chart-rate-other", { d: pathOf(run.steps) }, s("title", `Order ${run.orderId} · ${run.product}`))),
      // a step begun near now has its rate drawn left of the edge, not cut off by it (a walk)
      model.rateSteps.map((step) => s("text.chart-value",
        { x: Math.min(step.x1 + 3, right - 3 - VALUE_EM * num(step.rate).length), y: step.y - 4 }, num(step.rate))),
      series(model.hr, "hr", "HR"), series(model.sbp, "sbp", "SBP"), series(model.temp, "temp", "°C"),
      s("line.chart-now", { x1: model.nowX, x2: model.nowX, y1: margin.top, y2: height - margin.bottom })),
    h("figcaption.chart-legend",
      h("span.lg-rate", "rate"), model.pauses.length ? h("span.lg-pause", { testid: "chart-paused" }, model.pauses.map(pauseTitle).join("; ")) : null,
      model.otherSteps.length ? h("span.lg-rate-other", { testid: "chart-other-orders" },
        `${model.otherSteps.map((run) => `order ${run.orderId}, ${run.product}`).join("; ")}`) : null, h("span.lg-hr", "heart rate"),
      h("span.lg-sbp", "systolic BP"), h("span.lg-temp", "temperature (line: 38 °C)")));
}
