// The small vitals/rate chart, drawn by the app as SVG from chart_model.js (no chart library).

import { chartModel } from "../chart_model.js";
import { clock, num } from "../format.js";
import { h, s } from "./dom.js";

function polyline(points, cls) {
  if (points.length === 0) return null;
  return s("polyline", { class: cls, points: points.map((p) => `${p.x},${p.y}`).join(" ") });
}

function dots(points, cls, label) {
  return points.map((p) => s("circle", { class: cls, cx: p.x, cy: p.y, r: 4 }, s("title", {}, `${label} ${num(p.value, 1)}`)));
}

export function visitChart(state, nowIso) {
  const model = chartModel(state, nowIso);
  if (!model) return h("p", { class: "muted" }, "The chart appears once the visit has vital signs or a running infusion.");
  const { width, height, margin, boxes } = model;
  const right = width - margin.right;
  const stepPath = model.rateSteps.map((step, i) => `${i === 0 ? "M" : "L"}${step.x1},${step.y} L${step.x2},${step.y}`).join(" ");
  const bandLabel = (name, text) => s("text", { class: "chart-label", x: 4, y: boxes[name].top + 12 }, text);
  const frame = (name) => s("rect", { class: "chart-band", x: margin.left, y: boxes[name].top, width: right - margin.left, height: boxes[name].height });
  return h("figure", { class: "chart", "data-testid": "visit-chart" },
    s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Rate and vital signs over time", preserveAspectRatio: "xMidYMid meet" },
      frame("rate"), frame("hr"), frame("temp"),
      bandLabel("rate", "mL/h"), bandLabel("hr", "HR · SBP"), bandLabel("temp", "°C"),
      s("text", { class: "chart-axis", x: margin.left - 4, y: boxes.rate.top + 24, "text-anchor": "end" }, String(model.rateMax)),
      s("line", { class: "chart-fever", x1: margin.left, x2: right, y1: model.feverLine, y2: model.feverLine }),
      model.ticks.map((t) => [
        s("line", { class: "chart-tick", x1: t.x, x2: t.x, y1: margin.top, y2: height - margin.bottom }),
        s("text", { class: "chart-axis", x: t.x, y: height - 8, "text-anchor": "middle" }, clock(t.at)),
      ]),
      stepPath ? s("path", { class: "chart-rate", d: stepPath }) : null,
      model.rateSteps.map((step) => s("text", { class: "chart-value", x: step.x1 + 3, y: step.y - 4 }, num(step.rate))),
      polyline(model.hr, "chart-hr-line"), dots(model.hr, "chart-hr", "HR"),
      polyline(model.sbp, "chart-sbp-line"), dots(model.sbp, "chart-sbp", "SBP"),
      polyline(model.temp, "chart-temp-line"), dots(model.temp, "chart-temp", "°C"),
      s("line", { class: "chart-now", x1: model.nowX, x2: model.nowX, y1: margin.top, y2: height - margin.bottom })),
    h("figcaption", { class: "chart-legend" },
      h("span", { class: "lg-rate" }, "rate"), h("span", { class: "lg-hr" }, "heart rate"),
      h("span", { class: "lg-sbp" }, "systolic BP"), h("span", { class: "lg-temp" }, "temperature (line: 38 °C)")));
}
