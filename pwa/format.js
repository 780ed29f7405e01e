// Times and numbers as the nurse reads them: local wall-clock times, countdowns, ages.
// Pure functions; `now` is always passed in so they are testable and the screen ticks predictably.

const pad = (n) => String(n).padStart(2, "0");

/** "14:05" in the tablet's local time, or "" for nothing. */
export function clock(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "Tue 4 Mar 14:05": a date and time that cannot be misread across days. */
export function dayClock(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const day = date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
  return `${day} ${clock(iso)}`;
}

/** The value of an <input type="datetime-local"> for a moment (local time, to the minute). */
export function toLocalInput(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An ISO instant (UTC, "Z") from an <input type="datetime-local"> value, or null when unreadable. */
export function fromLocalInput(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value || "")) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** "in 12 min 05 s" until `dueIso`, "due now" when due, "3 min overdue" after; null when nothing is due. Not
 * "in 12:05": beside "due 14:51" a walk read the countdown as another clock time. */
export function countdown(dueIso, now) {
  if (!dueIso) return null;
  const ms = new Date(dueIso).getTime() - now.getTime();
  if (ms <= 0) {
    const late = Math.floor(-ms / 60000);
    return { text: late < 1 ? "due now" : `${late} min overdue`, due: true, overdue: late >= 1 };
  }
  const seconds = Math.ceil(ms / 1000);
  const text = seconds >= 3600
    ? `in ${Math.floor(seconds / 3600)} h ${pad(Math.floor((seconds % 3600) / 60))} min`
    : seconds >= 60 ? `in ${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s` : `in ${seconds} s`;
  return { text, due: false, overdue: false };
}

/** "just now", "12 min ago", "3 h ago": how old a time is. */
export function age(iso, now) {
  if (!iso) return "never";
  const minutes = Math.floor((now.getTime() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
}

/** A number as typed by a nurse: "36,8" or " 36.8 " -> 36.8; "" -> null; not a number -> NaN. */
export function parseNumber(text) {
  const cleaned = String(text ?? "").trim().replace(",", ".");
  if (cleaned === "") return null;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}

/** A number for display without float noise: 36.80000001 -> "36.8". */
export function num(value, places = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "";
  return String(Number(Number(value).toFixed(places)));
}

/** True when both instants fall on the same local calendar day. */
export function sameDay(isoA, dateB) {
  const a = new Date(isoA);
  return a.getFullYear() === dateB.getFullYear() && a.getMonth() === dateB.getMonth() && a.getDate() === dateB.getDate();
}
