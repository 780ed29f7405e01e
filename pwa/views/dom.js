// The only way views build DOM: elements from tag, properties and children. Text always goes in
// as text nodes (textContent), never as HTML, so nothing a nurse or a server typed can run.

const SVG_NS = "http://www.w3.org/2000/svg";

function setProps(el, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "testid") el.dataset.testid = value; // data-testid, what the browser tests find
    else if (key === "value" && "value" in el) el.value = String(value);
    else if (key === "disabled") el.disabled = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Properties are a plain object; anything else after the tag is already a child.
const isProps = (value) => typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Node);

function build(el, classes, props, children) {
  if (classes.length) el.setAttribute("class", classes.join(" "));
  if (isProps(props)) setProps(el, props);
  else children.unshift(props);
  appendAll(el, children);
  return el;
}

/**
 * `h("button.btn.primary", {onclick}, "Save")`: the tag with its classes after dots, then properties
 * (may be left out: `h("p.muted", "No alerts.")`), then children.
 */
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split(".");
  return build(document.createElement(name), classes, props, children);
}

/** The same for SVG elements (the chart). */
export function s(tag, props, ...children) {
  const [name, ...classes] = tag.split(".");
  return build(document.createElementNS(SVG_NS, name), classes, props, children);
}

/** Replace everything inside `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

/** A big button; `reason` disables it and shows why beneath (only its tooltip when `quiet`). */
export function button(label, onclick, { kind = "", reason = null, testid = null, quiet = false } = {}) {
  const el = h("button", { type: "button", class: ["btn", kind], onclick, disabled: Boolean(reason), testid, title: reason }, label);
  if (!reason || quiet) return el;
  return h("div.btn-wrap", el, h("p.why-off", { testid: testid ? `${testid}-reason` : null }, reason));
}
