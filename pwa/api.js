// The server's JSON API as the tablet uses it. Every call either returns `{status, data, etag}` or
// throws an ApiError (the server answered; switch on `code`, never on text) or an OfflineError
// (no answer at all). The session is an HttpOnly cookie the tablet never sees.

import { newId } from "./crypto.js";

const PROTOCOL = 1;
const TIMEOUT_MS = 30_000;

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export class OfflineError extends Error {
  constructor() {
    super("The server cannot be reached. Entries are kept on this tablet and sent later.");
    this.name = "OfflineError";
  }
}

async function call(method, path, { body, headers = {} } = {}) {
  const init = {
    method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json", ...headers },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (typeof AbortSignal.timeout === "function") init.signal = AbortSignal.timeout(TIMEOUT_MS);
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new OfflineError();
  }
  const etag = response.headers.get("ETag");
  if (response.status === 204 || response.status === 304) return { status: response.status, data: null, etag };
  let data = null;
  try {
    data = await response.json();
  } catch {
    if (response.ok) throw new ApiError(response.status, "bad_response", "The server sent an unreadable answer.", null);
  }
  if (!response.ok) {
    const code = (data && data.code) || `http_${response.status}`;
    const message = (data && (data.detail || data.title)) || `The server answered ${response.status}.`;
    throw new ApiError(response.status, code, message, data);
  }
  return { status: response.status, data, etag };
}

export function logIn({ username, password, deviceId, deviceLabel }) {
  return call("POST", "/api/session", {
    body: { username, password, device_id: deviceId, device_label: deviceLabel },
  });
}

export function logOut() {
  return call("DELETE", "/api/session");
}

export function deviceKey() {
  return call("GET", "/api/device-key");
}

// The reference shape this code reads (server/services/reference_shape.py); none: the previous release's.
export const REFERENCE_SHAPE_HEADER = "X-Ivlog-Reference";
export const REFERENCE_SHAPE = 4;

/** The reference document, or `{status: 304}` when `etag` is still current. */
export function reference(etag) {
  const headers = { [REFERENCE_SHAPE_HEADER]: String(REFERENCE_SHAPE) };
  return call("GET", "/api/reference", { headers: etag ? { ...headers, "If-None-Match": etag } : headers });
}

/** `surrender`: this tablet was revoked; its entries go to the pharmacist (`/api/sync/surrender`). */
export function push(deviceId, events, surrender = false) {
  return call("POST", `/api/sync/${surrender ? "surrender" : "push"}`, {
    body: {
      protocol: PROTOCOL, device_id: deviceId, batch_id: newId(), sent_at: new Date().toISOString(), events,
    },
  });
}

/** Readable events after `after`; with `visitId`, that visit's only (404 `unknown_visit` if not readable). */
export function pull(after, limit = 1000, visitId = null) {
  const visit = visitId ? `&visit=${encodeURIComponent(visitId)}` : "";
  return call("GET", `/api/sync/pull?after=${encodeURIComponent(after)}&limit=${limit}${visit}`);
}
