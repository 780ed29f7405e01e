// The bar on top of every unlocked screen: who, connection and sync state, "Sync now", lock, log out,
// and the warnings that must not be missed (session ended, tablet wiped or refused, storage errors).

import { age, clock } from "../format.js";
import { button, h } from "./dom.js";

// Entries the server kept aside are sent, not synced: "All synced" beside "2 need correction" read as done (a walk).
function syncText(status, pending, oldest, now, keptAside) {
  if (status.state === "syncing") return "Syncing…";
  if (pending === 0 && keptAside) return `${keptAside} kept aside: ${keptAside === 1 ? "it needs" : "they need"} correcting`;
  if (pending === 0) return status.lastSyncAt ? `All synced · ${clock(status.lastSyncAt)}` : "Nothing to sync";
  const noun = pending === 1 ? "entry" : "entries";
  return `${pending} ${noun} to sync · oldest ${age(oldest, now)}`;
}

export function topbar({ userName, tablet, status, pending, keptAside = 0, oldest, offline, now, notice, onSync, onLock, onLogout, onHome, onLogin }) {
  const banners = [];
  if (notice) banners.push(h(`p.banner.${notice.kind || "info"}`, { role: "alert", testid: "notice" }, notice.text));
  if (status.authNeeded) {
    banners.push(h("div.banner.warning", { role: "alert", testid: "auth-needed" },
      h("span", status.error || "Log in again to sync."), button("Log in", onLogin, { kind: "small", testid: "relogin" })));
  } else if (status.error) {
    banners.push(h("p.banner.warning", { role: "alert", testid: "sync-error" }, status.error));
  }
  if (status.revoked) banners.push(h("p.banner.danger", { role: "alert" }, "This tablet was refused by the server. Call your administrator."));
  if (status.wipedAt) {
    banners.push(h("p.banner.danger", { role: "alert", testid: "wiped-warning" },
      "The server reports that this tablet's storage was wiped and restarted: entries saved before may be missing. Tell your administrator."));
  }
  return h("div.topbar-wrap",
    h("nav.topbar", { "aria-label": "ivlog" },
      h("button.brand", { type: "button", onclick: onHome, testid: "home" }, "ivlog"),
      h("span.user", userName || "", tablet ? h("span.tablet", { testid: "tablet-code", title: "This tablet, as the administrator's Tablets page names it" }, ` · Tablet ${tablet}`) : null),
      h(offline ? "span.net.offline" : "span.net.online", { testid: "net" }, offline ? "Offline" : "Online"),
      h(pending || keptAside ? "span.sync.pending" : "span.sync", { testid: "sync-state" }, syncText(status, pending, oldest, now, keptAside)),
      button("Sync now", onSync, { kind: "small", testid: "sync-now" }),
      button("Lock", onLock, { kind: "small secondary", testid: "lock" }),
      button("Log out", onLogout, { kind: "small secondary", testid: "logout" })),
    banners);
}
