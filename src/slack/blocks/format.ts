import { escapeMrkdwn } from '../mrkdwn.js';

/**
 * Dates in Slack: `<!date^…>` lets each reader see their own time zone; the fallback text (UTC) is
 * what clients that cannot format show, and what the sandbox prints.
 */
export function slackDate(iso: string | number | Date, format = '{date_short_pretty} {time}'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return escapeMrkdwn(String(iso));
  const fallback = d
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
  return `<!date^${Math.floor(d.getTime() / 1000)}^${format}|${fallback}>`;
}

/** Whole days between two instants, never negative (clock skew between systems). */
export function ageInDays(fromIso: string, now: number): number | undefined {
  const t = Date.parse(fromIso);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, Math.floor((now - t) / 86_400_000));
}
