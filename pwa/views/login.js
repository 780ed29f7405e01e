// The online login: username and password; the tablet binds itself to the nurse's account.

import { button, h } from "./dom.js";

/** The login screen; `onSubmit({username, password})` returns a promise (its error is shown). */
export function loginView({ message = null, warning = null, onSubmit, onCancel = null }) {
  const error = h("p", { class: "form-errors", role: "alert", "data-testid": "login-error" });
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "off", spellcheck: "false", required: true, "data-testid": "username" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, "data-testid": "password" });
  const submit = h("button", { type: "submit", class: "btn primary", "data-testid": "login" }, "Log in");
  const form = h("form", { class: "card narrow", "data-testid": "login-form", onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    try {
      await onSubmit({ username: username.value.trim(), password: password.value });
    } catch (failure) {
      error.textContent = failure.message || String(failure);
      submit.disabled = false;
    }
  } },
  h("h1", {}, "ivlog"),
  warning ? h("p", { class: "banner danger", role: "alert", "data-testid": "login-warning" }, warning) : null,
  message ? h("p", { class: "lead", "data-testid": "login-message" }, message) : null,
  h("label", { class: "field-label" }, "Username", username),
  h("label", { class: "field-label" }, "Password", password),
  error, submit,
  onCancel ? button("Back to the visits", onCancel, { kind: "secondary", testid: "login-cancel" }) : null);
  // Focus the username once the form is on screen, unless the nurse already tapped a field:
  // moving her caret would send her password into the username box.
  setTimeout(() => { if (!form.contains(document.activeElement)) username.focus(); }, 0);
  return form;
}
