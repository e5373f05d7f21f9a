/**
 * DESIGN §3: the only shapes in which values from CloudKnox or ServiceNow may reach Slack or a log.
 * Everything that prints an access key, an email address or a secret goes through here, so the
 * rules live in one place and are tested once.
 */
export const HIDDEN = 'hidden';
const DOTS = '••••';

/** Access key → `••••` + last 4 characters. Short keys show only dots, so a 4-char key is never shown whole. */
export function maskAccessKey(value: string | null | undefined): string {
  if (!value) return '(none)';
  const chars = Array.from(value.trim()); // code points, so a non-BMP character is never split
  if (chars.length <= 8) return DOTS;
  return DOTS + chars.slice(-4).join('');
}

/** Secret key, password, OTP, tokens: never shown, whatever the value (even empty). */
export function maskSecret(_value?: unknown): string {
  return HIDDEN;
}

/** Email address → first letter + `•••` + `@domain`. Anything that is not an address shows as dots. */
export function maskEmail(value: string | null | undefined): string {
  if (!value) return '(none)';
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return '•••';
  const first = Array.from(value)[0] ?? '';
  return `${first}•••${value.slice(at)}`;
}
