// WebCrypto for the local store (DESIGN section 6).
//
// One random AES-GCM-256 data key encrypts every record that holds patient data. The data key is
// kept only wrapped (AES-GCM key wrapping): by a key derived from the nurse's PIN (PBKDF2-SHA-256,
// 600,000 iterations, random salt) and by a key derived (HKDF) from the server-released `wrap_key`.
// Every ciphertext is bound to where it is stored by its additional data (e.g. "events/<id>"), so a
// record copied under another key does not decrypt.

export const PBKDF2_ITERATIONS = 600_000;
export const PIN_LENGTH = 6;

const AES = { name: "AES-GCM", length: 256 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** AES-GCM parameters: a ciphertext is bound to `label` (what it is, or where it is stored). */
const gcm = (iv, label) => ({ name: "AES-GCM", iv, additionalData: encoder.encode(label) });

export function randomBytes(count) {
  return crypto.getRandomValues(new Uint8Array(count));
}

export function newId() {
  return crypto.randomUUID();
}

/** A fresh data key; extractable only so that it can be wrapped. */
export function newDataKey() {
  return crypto.subtle.generateKey(AES, true, ["encrypt", "decrypt"]);
}

/** The key-wrapping key for a PIN: PBKDF2-SHA-256 over the PIN with a per-device salt. */
export async function keyFromPin(pin, salt, iterations = PBKDF2_ITERATIONS) {
  const base = await crypto.subtle.importKey("raw", encoder.encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, AES, false, ["wrapKey", "unwrapKey"],
  );
}

/** The key-wrapping key from the server's per-device `wrap_key` (HKDF, salted with the device id). */
export async function keyFromServer(wrapKey, deviceId) {
  const base = await crypto.subtle.importKey("raw", encoder.encode(wrapKey), "HKDF", false, ["deriveKey"]);
  const params = {
    name: "HKDF", hash: "SHA-256", salt: encoder.encode(deviceId), info: encoder.encode("ivlog data-key wrap v1"),
  };
  return crypto.subtle.deriveKey(params, base, AES, false, ["wrapKey", "unwrapKey"]);
}

/** `{iv, wrapped}`: the data key wrapped by `wrappingKey`; `label` says which wrapper it is. */
export async function wrapDataKey(dataKey, wrappingKey, label) {
  const iv = randomBytes(12);
  const wrapped = await crypto.subtle.wrapKey("raw", dataKey, wrappingKey, gcm(iv, label));
  return { iv, wrapped: new Uint8Array(wrapped) };
}

/** The data key, or a DOMException (OperationError) when `wrappingKey` is the wrong one. */
export function unwrapDataKey(box, wrappingKey, label, { extractable = false } = {}) {
  return crypto.subtle.unwrapKey("raw", box.wrapped, wrappingKey, gcm(box.iv, label), AES, extractable, ["encrypt", "decrypt"]);
}

/** `{iv, ct}`: `value` as JSON, encrypted and bound to `where` (its store and key). */
export async function seal(dataKey, value, where) {
  const iv = randomBytes(12);
  const plain = encoder.encode(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt(gcm(iv, where), dataKey, plain);
  return { iv, ct: new Uint8Array(ct) };
}

/** The value sealed by `seal` at `where`; throws if the key, the place or the bytes are wrong. */
export async function unseal(dataKey, box, where) {
  const plain = await crypto.subtle.decrypt(gcm(box.iv, where), dataKey, box.ct);
  return JSON.parse(decoder.decode(plain));
}

/** Why a new PIN is refused, or null: exactly PIN_LENGTH digits, not one repeated, not a run. */
export function pinProblem(pin) {
  if (typeof pin !== "string" || pin.length !== PIN_LENGTH || !/^[0-9]+$/.test(pin)) {
    return `The PIN must be ${PIN_LENGTH} digits.`;
  }
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => (d - digits[i] + 10) % 10));
  if (steps.size === 1 && [0, 1, 9].includes([...steps][0])) {
    return "This PIN is too easy to guess (repeated or consecutive digits). Choose another.";
  }
  return null;
}
