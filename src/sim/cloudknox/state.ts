import { randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { maskAccessKey, maskEmail } from '../../masking.js';
import type { SeedCredentials } from '../seed.js';

/**
 * The simulated CloudKnox tenant: its service accounts and their keys, tokens, the ServiceNow
 * integration and OTPs. Two accounts are seeded: the INTEGRATION's (held in ServiceNow, shown on the
 * Integration tab, rotated by "Generate New Key") and the BOT's own (what the bot authenticates with).
 * Any service account of the tenant with an ACTIVE key may authenticate; the Integration API acts on
 * the integration's account whichever account's token calls it.
 */

export const MAX_ACTIVE_KEYS = 2;
export const MAX_OTP_ATTEMPTS = 5;
const DAY_MS = 86_400_000;

export type EndpointName =
  | 'authenticate'
  | 'getIntegration'
  | 'testIntegration'
  | 'saveIntegration'
  | 'listKeys'
  | 'requestOtp'
  | 'resendOtp'
  | 'createKey'
  | 'revokeKey';

export interface SimKey {
  accessKey: string;
  secretKey: string;
  createdOn: string;
  lastUsedOn: string | null;
  status: 'ACTIVE' | 'REVOKED';
}
/** A key as the API lists it: no secret. */
export type SimKeyView = Omit<SimKey, 'secretKey'>;

export interface SimServiceAccount {
  id: string;
  /** Oldest first; the key limit and "not the last active key" apply per account. */
  keys: SimKey[];
}
/** A service account as tests may read it: its keys without secrets. */
export interface SimServiceAccountView {
  serviceAccountId: string;
  keys: SimKeyView[];
}

export interface SimToken {
  apiId: string;
  /** The account that authenticated: the token is valid only with its id in the headers. */
  serviceAccountId: string;
  accessKey: string;
  expiresAt: number;
}

export interface SimIntegration {
  endpoint: string;
  username: string;
  password: string;
  apiEndpoint: string;
  createdBy: string;
  createdOn: string;
  savedOn: string | null;
}
export type SimIntegrationView = Omit<SimIntegration, 'password'> & {
  passwordSet: boolean;
  serviceAccountId: string;
  accessKey: string;
};

export interface OtpRequest {
  id: string;
  code: string;
  expiresAt: number;
  resendAt: number;
  attempts: number;
  used: boolean;
}

export interface SimEmail {
  to: string;
  subject: string;
  text: string;
  otp: string;
  at: string;
}

export interface SimRequestLog {
  endpoint: EndpointName | 'unknown';
  method: string;
  /** Path with any access key masked; never headers or bodies. */
  path: string;
  status: number;
  errorCode?: string;
  at: string;
}

export interface InjectedFailure {
  status: number;
  errorCode?: string;
  message?: string;
  /** Extra fields in the error body (e.g. `retryAfter`). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** How many calls fail (default 1). */
  times?: number;
}

export interface StateOptions {
  seed: SeedCredentials;
  servicenowUrl: string;
  apiUrl: string;
  tokenTtlMs: number;
  otpTtlMs: number;
  resendAfterMs: number;
  now: () => number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomFrom(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

function sixDigits(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function keyView(key: SimKey): SimKeyView {
  const { secretKey: _s, ...view } = key;
  return { ...view };
}

export class CloudKnoxState {
  readonly accounts = new Map<string, SimServiceAccount>();
  /** The account the integration uses (ServiceNow's record, the Integration tab, key rotation). */
  readonly integrationAccount: SimServiceAccount;
  /** The bot's own account (the same object as `integrationAccount` if a seed gives both one id). */
  readonly botAccount: SimServiceAccount;
  /** The integration's service account id. */
  readonly serviceAccountId: string;
  readonly email: string;
  /** The integration account's keys. */
  readonly keys: SimKey[];
  readonly tokens = new Map<string, SimToken>();
  /** Every access token ever issued (tests hunt for them in Slack traffic and logs). */
  readonly issuedTokens: string[] = [];
  readonly otps = new Map<string, OtpRequest>();
  readonly outbox: SimEmail[] = [];
  readonly requests: SimRequestLog[] = [];
  readonly failures = new Map<EndpointName, InjectedFailure[]>();
  integration: SimIntegration | undefined;

  constructor(readonly opts: StateOptions) {
    const { cloudknox, servicenow } = opts.seed;
    const now = opts.now();
    const seedAccount = (
      id: string,
      key: { accessKey: string; secretKey: string },
      ageDays: number,
    ): SimServiceAccount => {
      let account = this.accounts.get(id);
      if (!account) {
        account = { id, keys: [] };
        this.accounts.set(id, account);
      }
      if (!account.keys.some((k) => k.accessKey === key.accessKey)) {
        account.keys.push({
          accessKey: key.accessKey,
          secretKey: key.secretKey,
          createdOn: new Date(now - ageDays * DAY_MS).toISOString(),
          lastUsedOn: null,
          status: 'ACTIVE',
        });
      }
      return account;
    };
    this.integrationAccount = seedAccount(cloudknox.serviceAccountId, cloudknox, 90);
    this.botAccount = seedAccount(cloudknox.bot.serviceAccountId, cloudknox.bot, 60);
    this.serviceAccountId = this.integrationAccount.id;
    this.keys = this.integrationAccount.keys;
    this.email = cloudknox.email;
    this.integration = {
      endpoint: opts.servicenowUrl,
      username: servicenow.integrationUsername,
      password: servicenow.integrationPassword,
      apiEndpoint: opts.apiUrl,
      createdBy: cloudknox.createdBy,
      createdOn: new Date(now - 120 * DAY_MS).toISOString(),
      savedOn: null,
    };
  }

  iso(): string {
    return new Date(this.opts.now()).toISOString();
  }

  account(serviceAccountId: string): SimServiceAccount | undefined {
    return this.accounts.get(serviceAccountId);
  }

  /** Active keys of an account (default: the integration's). */
  activeKeys(account: SimServiceAccount = this.integrationAccount): SimKey[] {
    return account.keys.filter((k) => k.status === 'ACTIVE');
  }

  /** The newest active key of an account (default: the integration's, the one the Integration tab shows). */
  activeKey(account: SimServiceAccount = this.integrationAccount): SimKey | undefined {
    return this.activeKeys(account).at(-1);
  }

  /** A key of one account (default: the integration's); another account's key is not found. */
  findKey(accessKey: string, account: SimServiceAccount = this.integrationAccount): SimKey | undefined {
    return account.keys.find((k) => k.accessKey === accessKey);
  }

  issueToken(account: SimServiceAccount, key: SimKey): { accessToken: string; apiId: string } {
    const accessToken = randomBytes(32).toString('base64url');
    this.issuedTokens.push(accessToken);
    const apiId = `api-${randomBytes(8).toString('hex')}`;
    this.tokens.set(accessToken, {
      apiId,
      serviceAccountId: account.id,
      accessKey: key.accessKey,
      expiresAt: this.opts.now() + this.opts.tokenTtlMs,
    });
    key.lastUsedOn = this.iso();
    return { accessToken, apiId };
  }

  /** A new ACTIVE key for an account (default: the integration's), unique across the tenant. */
  createKey(account: SimServiceAccount = this.integrationAccount): SimKey {
    const taken = new Set([...this.accounts.values()].flatMap((a) => a.keys.map((k) => k.accessKey)));
    let accessKey: string;
    do accessKey = `AKCK${randomFrom(ALNUM, 16)}`;
    while (taken.has(accessKey));
    const key: SimKey = {
      accessKey,
      secretKey: `ck-secret-${randomFrom(B62, 32)}`,
      createdOn: this.iso(),
      lastUsedOn: null,
      status: 'ACTIVE',
    };
    account.keys.push(key);
    return key;
  }

  accountView(account: SimServiceAccount): SimServiceAccountView {
    return { serviceAccountId: account.id, keys: account.keys.map(keyView) };
  }

  newOtp(): OtpRequest {
    const now = this.opts.now();
    const otp: OtpRequest = {
      id: randomUUID(),
      code: sixDigits(),
      expiresAt: now + this.opts.otpTtlMs,
      resendAt: now + this.opts.resendAfterMs,
      attempts: 0,
      used: false,
    };
    this.otps.set(otp.id, otp);
    this.sendOtpEmail(otp);
    return otp;
  }

  resendOtp(otp: OtpRequest): void {
    const now = this.opts.now();
    const previous = otp.code;
    while (otp.code === previous) otp.code = sixDigits();
    otp.expiresAt = now + this.opts.otpTtlMs;
    otp.resendAt = now + this.opts.resendAfterMs;
    this.sendOtpEmail(otp);
  }

  private sendOtpEmail(otp: OtpRequest): void {
    const minutes = Math.max(1, Math.round(this.opts.otpTtlMs / 60_000));
    this.outbox.push({
      to: this.email,
      subject: 'CloudKnox: Validate OTP To Generate New Keys',
      text:
        `Your CloudKnox verification code is ${otp.code}.\n\n` +
        `Enter it under "Validate OTP To Generate New Keys" to generate a new access key for service account ` +
        `${this.serviceAccountId}. The code expires in ${minutes} minute${minutes === 1 ? '' : 's'}.\n` +
        `If you did not ask for a new key, ignore this email and tell your security team.`,
      otp: otp.code,
      at: this.iso(),
    });
  }

  challenge(otp: OtpRequest): {
    otpRequestId: string;
    sentTo: string;
    expiresAt: string;
    resendAfter: string;
  } {
    return {
      otpRequestId: otp.id,
      sentTo: maskEmail(this.email),
      expiresAt: new Date(otp.expiresAt).toISOString(),
      resendAfter: new Date(otp.resendAt).toISOString(),
    };
  }

  integrationView(): SimIntegrationView | undefined {
    if (!this.integration) return undefined;
    const { password, ...rest } = this.integration;
    return {
      ...rest,
      passwordSet: password.length > 0,
      serviceAccountId: this.serviceAccountId,
      accessKey: this.activeKey()?.accessKey ?? '',
    };
  }

  takeFailure(name: EndpointName): InjectedFailure | undefined {
    const queue = this.failures.get(name);
    const f = queue?.[0];
    if (!queue || !f) return undefined;
    const left = (f.times ?? 1) - 1;
    if (left <= 0) queue.shift();
    else f.times = left;
    return f;
  }

  log(
    endpoint: EndpointName | 'unknown',
    method: string,
    path: string,
    status: number,
    errorCode?: string,
  ): void {
    const safePath = path.replace(/\/keys\/([^/]+)\/?$/, (m, k: string) =>
      k === 'otp' ? m : `/keys/${maskAccessKey(safeDecode(k))}`,
    );
    this.requests.push({
      endpoint,
      method,
      path: safePath,
      status,
      ...(errorCode ? { errorCode } : {}),
      at: this.iso(),
    });
  }
}
