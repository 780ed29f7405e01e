// What a pharmacist types into a long desk box (the sign-off's note for the physician, an intervention's words)
// outlives a reload: recording an intervention reloads the page (a walk's note was gone), and a session that
// ended refuses the form and asks her to log in again (a walk lost both). The desk works without this script;
// with it, a box marked data-keep="USER:KEY" is kept in this tab's sessionStorage while she types, put back
// when the page comes back for the same user, and dropped when its own form is sent and answered (a refusal
// re-renders what was sent), when she logs out, or when another user's page loads in this tab.
const PREFIX = "ivlog:keep:";

function forget(kept) {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX) && kept(key)) sessionStorage.removeItem(key);
}

function keep(box) {
  const key = PREFIX + box.dataset.keep;
  const kept = sessionStorage.getItem(key);
  if (box.value !== box.defaultValue) {
    sessionStorage.setItem(key, box.value);  // typed before this deferred script ran: hers, and newer than anything kept
  } else if (kept !== null && kept !== box.value) {
    box.value = kept;
    box.dataset.restored = "true";  // the page says so beside the box (app.css)
  }
  box.addEventListener("input", () => sessionStorage.setItem(key, box.value));
}

const logout = document.querySelector("form.logout");
if (logout !== null) {
  const mine = `${PREFIX}${logout.dataset.user}:`;
  forget((key) => !key.startsWith(mine));  // another user's boxes never wait in this tab for someone else
  logout.addEventListener("submit", () => forget(() => true));
}
// A page that answers a form sent says which boxes it took (data-sent): those are dropped, as they are stored.
for (const sent of document.querySelectorAll("[data-sent]")) sessionStorage.removeItem(PREFIX + sent.dataset.sent);
document.querySelectorAll("textarea[data-keep]").forEach(keep);
