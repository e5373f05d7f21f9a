/** The Slack API error code (`not_in_channel`, `ratelimited`, …) of a WebClient error, if any. */
export function slackErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const data = (err as { data?: { error?: unknown } }).data;
  if (data && typeof data.error === 'string') return data.error;
  const code = (err as { code?: unknown }).code;
  return code === 'slack_webapi_rate_limited_error' ? 'ratelimited' : undefined;
}
