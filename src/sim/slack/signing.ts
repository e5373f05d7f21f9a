import { createHmac } from 'node:crypto';

/**
 * Slack's request signing, version 0: `X-Slack-Signature: v0=` + hex HMAC-SHA256 keyed with the
 * signing secret over `v0:<X-Slack-Request-Timestamp>:<raw body>`; the timestamp is Unix seconds.
 * Receivers reject timestamps more than 5 minutes from their clock.
 */
export function slackSignature(secret: string, timestamp: number | string, rawBody: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
}

export function signedHeaders(
  secret: string,
  rawBody: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, rawBody),
  };
}
