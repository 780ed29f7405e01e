// What a pharmacist types into a long desk box (the sign-off's note for the physician) outlives the other
// forms of the page: recording an intervention reloads the page, and a walk's note was gone. The desk works
// without this script; with it, a box marked data-keep="KEY" is kept in this tab's sessionStorage while she
// types, put back when the page comes back, and dropped when its own form is sent (a refusal re-renders what
// was sent) or when she logs out. A page with no one logged in (the login page) drops every kept box, so the
// next person at this tab never sees them.
const PREFIX = "ivlog:keep:";

function forget(all) {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX) && all(key)) sessionStorage.removeItem(key);
}

function keep(box) {
  const key = PREFIX + box.dataset.keep;
  const kept = sessionStorage.getItem(key);
  if (kept !== null && kept !== box.value) {
    box.value = kept;
    box.dataset.restored = "true";  // the page says so beside the box (app.css)
  }
  box.addEventListener("input", () => sessionStorage.setItem(key, box.value));
  box.form?.addEventListener("submit", () => sessionStorage.removeItem(key));
}

const logout = document.querySelector("form.logout");
if (logout === null) forget(() => true);
else logout.addEventListener("submit", () => forget(() => true));
document.querySelectorAll("textarea[data-keep]").forEach(keep);
