import { isUpstreamError, type UpstreamError, type UpstreamErrorCode } from '../clients/upstream-error.js';
import { isStoreError } from '../store/errors.js';
import { escapeMrkdwn } from './mrkdwn.js';

/**
 * The one table that turns an error into words for Slack (DESIGN §9). Each line says what happened
 * and what to do next. Upstream messages are quoted (escaped) because they are the vendor's own words;
 * no stack trace and no request detail ever reaches a user.
 */
type Service = 'cloudknox' | 'servicenow';
const NAME: Record<Service, string> = { cloudknox: 'CloudKnox', servicenow: 'ServiceNow' };

const ADVICE: Record<UpstreamErrorCode, (service: Service, err: UpstreamError) => string> = {
  UPSTREAM_TIMEOUT: () =>
    'Try again in a minute; changes are never retried blindly, so nothing was done twice.',
  UPSTREAM_UNREACHABLE: (s) =>
    `Check ${s === 'cloudknox' ? 'CLOUDKNOX_API_URL' : 'SERVICENOW_INSTANCE_URL'} and the network from the bot.`,
  UPSTREAM_BAD_RESPONSE: (s) =>
    `Check that ${s === 'cloudknox' ? 'CLOUDKNOX_API_URL' : 'SERVICENOW_INSTANCE_URL'} points at the API, not a proxy or login page.`,
  UPSTREAM_SERVER_ERROR: (s) => `Try again later; if it persists, check ${NAME[s]}'s status.`,
  UPSTREAM_RATE_LIMITED: (s) => `${NAME[s]} is rate-limiting the bot; wait a moment and try again.`,
  CLOUDKNOX_AUTH_REJECTED: () =>
    'Check CLOUDKNOX_SERVICE_ACCOUNT_ID and that CLOUDKNOX_ACCESS_KEY is still an active key.',
  CLOUDKNOX_REQUEST_REJECTED: () => 'Check the request and try again.',
  CLOUDKNOX_NOT_FOUND: (_s, err) =>
    err.upstreamCode === 'INTEGRATION_NOT_FOUND'
      ? 'Set up the ServiceNow integration on the CloudKnox Integration tab first.'
      : 'It may have been removed meanwhile; check CloudKnox and try again.',
  SERVICENOW_AUTH_FAILED: () =>
    'Check SERVICENOW_USERNAME and SERVICENOW_PASSWORD. The bot did not retry: repeated failed logins lock ServiceNow accounts.',
  SERVICENOW_MFA_REQUIRED: () =>
    "The bot's ServiceNow user has multi-factor authentication on; use an integration user without MFA (web service access only).",
  SERVICENOW_FORBIDDEN: () =>
    "The account lacks a role or ACL: give the bot's ServiceNow user a role that can read sys_user and the CloudKnox configuration table.",
  SERVICENOW_NOT_FOUND: () => 'Check that the record still exists in ServiceNow.',
  SERVICENOW_INVALID_TABLE: () => 'Check SERVICENOW_CONFIG_TABLE and that the CloudKnox app is installed.',
  SERVICENOW_HIBERNATING: () =>
    'Developer instances sleep when unused: wake it from the ServiceNow developer portal, then test again.',
  SERVICENOW_REQUEST_REJECTED: () => 'Check the request and try again.',
};

/**
 * A single line of mrkdwn describing `err` for a person in Slack: the client's specific message
 * (which names the service and may quote its own error text) followed by what to do next.
 */
export function describeError(err: unknown): string {
  if (isStoreError(err) && err.code === 'STORE_UNAVAILABLE') {
    return "The bot's state store is temporarily unavailable, so nothing was changed. Try again in a minute.";
  }
  if (!isUpstreamError(err)) return 'An unexpected error happened in the bot. It has been logged; try again.';
  const what = escapeMrkdwn(err.message.trim()).replace(/[.\s]+$/, '');
  const wait = err.retryAfterSeconds !== undefined ? ` Retry after ${err.retryAfterSeconds} s.` : '';
  return `${what}. ${ADVICE[err.code](err.service, err)}${wait}`;
}
