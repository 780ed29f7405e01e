// The online login (username and password; the tablet binds itself to the nurse's account). Loaded
// when the tablet asks for it (precached: it opens offline too), outside the cold-start shell.

import { button, h } from "../views/dom.js";

/** The login screen; `onSubmit({username, password})` returns a promise (its error is shown). */
export function loginView({ message = null, warning = null, onSubmit, onCancel = null }) {
  const error = h("p.form-errors", { role: "alert", testid: "login-error" });
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "off", spellcheck: "false", required: true, testid: "username" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, testid: "password" });
  const submit = h("button.btn.primary", { type: "submit", testid: "login" }, "Log in");
  const form = h("form.card.narrow", { testid: "login-form", onsubmit: async (event) => {
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
  h("h1", "ivlog"),
  warning ? h("p.banner.danger", { role: "alert", testid: "login-warning" }, warning) : null,
  message ? h("p.lead", { testid: "login-message" }, message) : null,
  h("label.field-label", "Username", username),
  h("label.field-label", "Password", password),
  error, submit,
  onCancel ? button("Back to the visits", onCancel, { kind: "secondary", testid: "login-cancel" }) : null);
  // Focus the username once the form is on screen, unless the nurse already tapped a field:
  // moving her caret would send her password into the username box.
  setTimeout(() => { if (!form.contains(document.activeElement)) username.focus(); }, 0);
  return form;
}
