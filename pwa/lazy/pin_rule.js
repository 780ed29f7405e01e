// Which PINs are too easy to guess to guard patient data: one rule, used when a nurse chooses a PIN
// (the keypad shows the reason). Pure; loaded when the PIN is chosen, not at cold start.

/** The reason a 6-digit PIN is refused, or null when it is acceptable. */
export function pinWeakness(pin) {
  const digits = [...String(pin)].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => (d - digits[i] + 10) % 10));
  if (steps.size === 1 && steps.has(0)) return "All six digits are the same.";
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return "The digits run in order (like 123456 or 654321).";
  if (/^(\d\d)\1\1$|^(\d{3})\2$/.test(pin)) return "It repeats a short pattern (like 121212 or 123123).";
  if (/^00(19|20)\d\d$|^(19|20)\d\d00$/.test(pin)) return "It is a year (like 001985 or 198500).";
  return null;
}
