import { z } from 'zod';
import {
  DEFAULT_SERVICENOW_ALLOWED_HOSTS,
  hostPatternProblem,
  OutboundPolicy,
} from '../clients/outbound-policy.js';
import { normalizeInstanceUrl } from '../clients/servicenow/instance-url.js';

/**
 * The public environment contract (DESIGN §6). The README's configuration table documents exactly
 * these names (a test keeps the two in step). Every message says what is wrong without repeating
 * the value, because the value may be a secret.
 */
const required = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, { error: `is empty; set it to ${what}` });

const httpUrl = (what: string) =>
  required(what).refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { error: `must be an http(s) URL (${what})` },
  );

const slackIdList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((ids) => ids.every((id) => /^[UWS][A-Z0-9]{2,}$/.test(id)), {
    error: 'must be comma-separated Slack user IDs (U…/W…) or user-group IDs (S…), never names',
  });

/** `true` or `false` (any case); unset or empty is `false`. */
const flag = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim().toLowerCase())
  .refine((v) => v === '' || v === 'true' || v === 'false', { error: 'must be true or false' })
  .transform((v) => v === 'true');

const hostList = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

const intInRange = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? fallback : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, {
      error: `must be a whole number from ${min} to ${max}`,
    });

export const envSchema = z.object({
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_BOT_TOKEN: required('the bot token, xoxb-…').refine((v) => v.startsWith('xoxb-'), {
    error: 'must be a bot token starting with xoxb-',
  }),
  SLACK_APP_TOKEN: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.startsWith('xapp-'), {
      error: 'must be an app-level token starting with xapp- (or unset for HTTP mode)',
    })
    .transform((v) => (v ? v : undefined)),
  PORT: intInRange(0, 65535, 3000),
  SLACK_API_URL: httpUrl("Slack's Web API base URL")
    .optional()
    .transform((v) => {
      const url = v ?? 'https://slack.com/api/';
      return url.endsWith('/') ? url : `${url}/`;
    }),
  CLOUDKNOX_API_URL: httpUrl('the CloudKnox API End Point'),
  CLOUDKNOX_SERVICE_ACCOUNT_ID: required('the CloudKnox service account ID'),
  CLOUDKNOX_ACCESS_KEY: required('the service account access key'),
  CLOUDKNOX_SECRET_KEY: required('the service account secret key'),
  SERVICENOW_INSTANCE_URL: httpUrl('the ServiceNow instance URL, e.g. https://dev12345.service-now.com'),
  SERVICENOW_USERNAME: required('the ServiceNow user the bot reads with'),
  SERVICENOW_PASSWORD: required("that ServiceNow user's password"),
  SERVICENOW_CONFIG_TABLE: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : 'x_cloudknox_permissions_config'))
    .refine((v) => /^[a-z0-9_]+$/.test(v), { error: 'must be a ServiceNow table name (a-z, 0-9, _)' }),
  SERVICENOW_INTEGRATION_USER: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : 'cloudknox.endpoint')),
  SERVICENOW_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((v) => {
      const list = hostList(v);
      return list.length > 0 ? list : [...DEFAULT_SERVICENOW_ALLOWED_HOSTS];
    })
    .refine((list) => list.every((p) => hostPatternProblem(p) === undefined), {
      error:
        'must be comma-separated host names or "*." wildcards of one label, e.g. *.service-now.com,acme.servicenowservices.com',
    }),
  ALLOW_INSECURE_LOOPBACK: flag,
  ALLOW_PRIVATE_NETWORKS: flag,
  CLOUDKNOX_ADMINS: slackIdList.refine((ids) => ids.length > 0, {
    error: 'is required: comma-separated Slack user IDs (U…/W…) or user-group IDs (S…) of the admins',
  }),
  CLOUDKNOX_APPROVERS: slackIdList,
  ROTATION_REQUEST_TTL_MINUTES: intInRange(1, 1440, 30),
  ROTATION_LEASE_SECONDS: intInRange(2, 3600, 60),
  ROTATION_APPROVAL: z
    .enum(['required', 'off'], { error: 'must be "required" or "off"' })
    .optional()
    .transform((v) => v ?? 'required'),
  APPROVAL_CHANNEL: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .refine((v) => v === undefined || /^[CG][A-Z0-9]{2,}$/.test(v), {
      error: 'must be a channel ID (C… or G…), not a name',
    }),
  REDIS_URL: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .refine((v) => v === undefined || isRedisUrl(v), {
      error: 'must be a redis:// or rediss:// URL with a valid port',
    }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional()
    .transform((v) => v ?? 'info'),
});

function isRedisUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false; // also a port outside 0–65535: URL refuses it
  }
}

/**
 * Rules between variables. They run on the raw environment even when other variables are invalid,
 * so one run lists every problem.
 */
export function crossFieldProblems(source: Record<string, string | undefined>): Array<[string, string]> {
  const set = (name: string) => (source[name] ?? '').trim() !== '';
  const problems: Array<[string, string]> = [];
  // HTTP mode verifies every request with the signing secret; Socket Mode does not receive HTTP.
  if (!set('SLACK_APP_TOKEN') && !set('SLACK_SIGNING_SECRET')) {
    problems.push([
      'SLACK_SIGNING_SECRET',
      'is required in HTTP mode (Basic Information → Signing Secret), or set SLACK_APP_TOKEN for Socket Mode',
    ]);
  }
  if ((source.ROTATION_APPROVAL ?? 'required').trim() !== 'off' && !set('CLOUDKNOX_APPROVERS')) {
    problems.push([
      'CLOUDKNOX_APPROVERS',
      'is required while ROTATION_APPROVAL=required: list who may approve key rotations',
    ]);
  }
  problems.push(...outboundProblems(source));
  return problems;
}

/**
 * The outbound policy (src/clients/outbound-policy.ts) applied to the two upstream URLs, so a
 * disallowed one stops the bot at start-up: plain http, a ServiceNow host off the allowlist, a
 * loopback or internal IP address. Host names are checked again, per resolved address, at connect time.
 */
function outboundPolicyFromEnv(source: Record<string, string | undefined>): OutboundPolicy | undefined {
  const patterns = hostList(source.SERVICENOW_ALLOWED_HOSTS);
  if (patterns.some((p) => hostPatternProblem(p) !== undefined)) return undefined;
  return new OutboundPolicy({
    allowInsecureLoopback: (source.ALLOW_INSECURE_LOOPBACK ?? '').trim().toLowerCase() === 'true',
    allowPrivateNetworks: (source.ALLOW_PRIVATE_NETWORKS ?? '').trim().toLowerCase() === 'true',
    servicenowAllowedHosts: patterns.length > 0 ? patterns : DEFAULT_SERVICENOW_ALLOWED_HOSTS,
  });
}

function outboundProblems(source: Record<string, string | undefined>): Array<[string, string]> {
  const policy = outboundPolicyFromEnv(source);
  if (!policy) return []; // SERVICENOW_ALLOWED_HOSTS itself is reported by the schema
  const problems: Array<[string, string]> = [];
  const cloudknox = source.CLOUDKNOX_API_URL?.trim();
  if (cloudknox) {
    const problem = policy.urlProblem('cloudknox', cloudknox);
    if (problem) problems.push(['CLOUDKNOX_API_URL', problem.text]);
  }
  const servicenow = source.SERVICENOW_INSTANCE_URL?.trim();
  if (servicenow) {
    let instance: string | undefined;
    try {
      instance = normalizeInstanceUrl(servicenow);
    } catch (err) {
      // normalizeInstanceUrl's messages never quote the input.
      const why = (err as Error).message.replace(/^The ServiceNow instance URL /, '');
      problems.push(['SERVICENOW_INSTANCE_URL', why]);
    }
    const problem = instance === undefined ? undefined : policy.urlProblem('servicenow', instance);
    if (problem) problems.push(['SERVICENOW_INSTANCE_URL', problem.text]);
  }
  policy.destroy();
  return problems;
}

export type Env = z.output<typeof envSchema>;
/** The variable names of the public contract, in schema order. */
export const ENV_NAMES = Object.keys(envSchema.shape) as (keyof Env)[];
