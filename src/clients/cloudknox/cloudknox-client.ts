import { parseJsonBody, send, type TransportResponse } from '../http-transport.js';
import type { OutboundPolicy } from '../outbound-policy.js';
import type { CallSpec } from './call-spec.js';
import { badResponse, rejection, type Sensitive } from './errors.js';
import { integrationApi, type IntegrationInput } from './integration-api.js';
import {
  authenticateResponseSchema,
  type CloudKnoxIntegration,
  type CloudKnoxKey,
  type CreatedKey,
  type IntegrationTestResult,
  type OtpChallenge,
} from './schemas.js';
import type { z } from 'zod';

export interface CloudKnoxCredentials {
  serviceAccountId: string;
  accessKey: string;
  secretKey: string;
}

export interface CloudKnoxClientOptions extends CloudKnoxCredentials {
  /** The "API End Point", e.g. https://app.cloudknox.io (a trailing slash is fine). */
  baseUrl: string;
  /** Per HTTP attempt, authentication included. Default 10 000. Reads and logins may take twice that (retry-policy.ts). */
  timeoutMs?: number;
  /**
   * Where the client may connect (https, no internal addresses). The bot always passes one
   * (start-bot.ts); only tests against scripted servers leave it out.
   */
  outbound?: OutboundPolicy | undefined;
}

interface Session {
  accessToken: string;
  apiId: string;
}

const AUTH_PATH = '/api/v2/service-account/authenticate';
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * CloudKnox API client (DESIGN §5.1). Authenticates lazily with the service account's key pair,
 * keeps the token in memory, and shares one in-flight authentication between concurrent calls.
 * When a call gets 401 (token expired) it authenticates again once and repeats that call once.
 * Otherwise the retry policy applies (retry-policy.ts): a GET is retried on 5xx, resets and
 * timeouts; authentication once on those (never after a refusal); a write (test, save, OTP request
 * or resend, create key, revoke) is sent at most once per token.
 *
 * Credentials and the token live in private fields, so logging or serialising the client shows none.
 */
export class CloudKnoxClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #outbound: OutboundPolicy | undefined;
  #creds: CloudKnoxCredentials;
  #pending: Promise<Session> | undefined;
  #session: Session | undefined;

  constructor(opts: CloudKnoxClientOptions) {
    this.baseUrl = normaliseBaseUrl(opts.baseUrl);
    const problem = opts.outbound?.urlProblem('cloudknox', this.baseUrl);
    if (problem) throw new TypeError(`CloudKnox base URL ${problem.text}`);
    this.#outbound = opts.outbound;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#creds = {
      serviceAccountId: opts.serviceAccountId,
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
    };
  }

  get serviceAccountId(): string {
    return this.#creds.serviceAccountId;
  }

  /** The access key this client authenticates with (mask it before showing it). */
  get accessKey(): string {
    return this.#creds.accessKey;
  }

  /**
   * Proves a credential set authenticates (e.g. a key just created by rotation) without touching
   * any client's session. Resolves when CloudKnox accepts it; throws CLOUDKNOX_AUTH_REJECTED if not.
   */
  static async verifyCredentials(
    baseUrl: string,
    creds: CloudKnoxCredentials,
    timeoutMs: number = DEFAULT_TIMEOUT_MS,
    outbound?: OutboundPolicy,
  ): Promise<void> {
    await new CloudKnoxClient({ baseUrl, ...creds, timeoutMs, outbound }).authenticate();
  }

  /** Switches to another key pair (after rotation); the next call authenticates with it. */
  setCredentials(
    creds: Pick<CloudKnoxCredentials, 'accessKey' | 'secretKey'> & { serviceAccountId?: string },
  ): void {
    this.#creds = {
      serviceAccountId: creds.serviceAccountId ?? this.#creds.serviceAccountId,
      accessKey: creds.accessKey,
      secretKey: creds.secretKey,
    };
    this.#pending = undefined;
    this.#session = undefined;
  }

  /** Makes sure the client holds a token (authenticating if it has none). */
  async authenticate(): Promise<void> {
    await this.#currentSession();
  }

  getIntegration(): Promise<CloudKnoxIntegration> {
    return this.call(integrationApi.getIntegration());
  }

  /** CloudKnox's own test of its stored (or the given) ServiceNow credentials. FAILURE is an answer, not an error. */
  testIntegration(input?: IntegrationInput): Promise<IntegrationTestResult> {
    return this.call(integrationApi.testIntegration(input));
  }

  saveIntegration(input?: IntegrationInput): Promise<CloudKnoxIntegration> {
    return this.call(integrationApi.saveIntegration(input));
  }

  listKeys(): Promise<CloudKnoxKey[]> {
    return this.call(integrationApi.listKeys());
  }

  requestKeyOtp(): Promise<OtpChallenge> {
    return this.call(integrationApi.requestKeyOtp());
  }

  resendKeyOtp(otpRequestId: string): Promise<OtpChallenge> {
    return this.call(integrationApi.resendKeyOtp(otpRequestId));
  }

  createKey(input: { otpRequestId: string; otp: string }): Promise<CreatedKey> {
    return this.call(integrationApi.createKey(input));
  }

  revokeKey(accessKey: string): Promise<void> {
    return this.call(integrationApi.revokeKey(accessKey));
  }

  /** Sends one authenticated call; on 401 re-authenticates once and repeats it once. */
  async call<T>(spec: CallSpec<T>): Promise<T> {
    let session = await this.#currentSession();
    let res = await this.#send(spec, session);
    if (res.status === 401) {
      this.#invalidate(session);
      session = await this.#currentSession();
      res = await this.#send(spec, session);
    }
    return this.#interpret(spec, res, session);
  }

  #currentSession(): Promise<Session> {
    if (!this.#pending) {
      this.#session = undefined;
      const p = this.#login().then(
        (s) => {
          if (this.#pending === p) this.#session = s;
          return s;
        },
        (err: unknown) => {
          if (this.#pending === p) this.#pending = undefined;
          throw err;
        },
      );
      this.#pending = p;
    }
    return this.#pending;
  }

  /** Drops the token that just got a 401, unless another call has already replaced it. */
  #invalidate(stale: Session): void {
    if (this.#session === stale) {
      this.#session = undefined;
      this.#pending = undefined;
    }
  }

  async #login(): Promise<Session> {
    const creds = this.#creds;
    const operation = 'authenticate';
    const res = await send('cloudknox', {
      method: 'POST',
      url: this.baseUrl + AUTH_PATH,
      headers: {
        accept: 'application/json',
        'X-CloudKnox-Service-Account-Id': creds.serviceAccountId,
        'X-CloudKnox-Timestamp-Millis': String(Date.now()),
      },
      json: {
        serviceAccountId: creds.serviceAccountId,
        accessKey: creds.accessKey,
        secretKey: creds.secretKey,
      },
      timeoutMs: this.timeoutMs,
      // A timeout, 5xx or reset may be retried once; a refusal (4xx) never is.
      retry: 'login',
      outbound: this.#outbound,
    });
    const sensitive = { secrets: [creds.secretKey], accessKeys: [creds.accessKey] };
    if (res.status < 200 || res.status >= 300) throw rejection(operation, res, sensitive, 'authenticate');
    const parsed = validate(operation, res, authenticateResponseSchema);
    return { accessToken: parsed.accessToken, apiId: parsed.apiId };
  }

  #send(spec: CallSpec<unknown>, session: Session): Promise<TransportResponse> {
    return send('cloudknox', {
      method: spec.method,
      url: this.baseUrl + spec.path,
      headers: {
        accept: 'application/json',
        'X-CloudKnox-Access-Token': session.accessToken,
        'X-CloudKnox-API-Id': session.apiId,
        'X-CloudKnox-Service-Account-Id': this.#creds.serviceAccountId,
        'X-CloudKnox-Timestamp-Millis': String(Date.now()),
      },
      json: spec.json,
      timeoutMs: this.timeoutMs,
      // Only GETs are repeated; every other method changes something in CloudKnox.
      retry: spec.method === 'GET' ? 'read' : 'write',
      outbound: this.#outbound,
    });
  }

  #interpret<T>(spec: CallSpec<T>, res: TransportResponse, session: Session): T {
    if (res.status < 200 || res.status >= 300) {
      const sensitive: Sensitive = {
        secrets: [this.#creds.secretKey, session.accessToken, ...(spec.secrets ?? [])],
        accessKeys: [this.#creds.accessKey, ...(spec.accessKeys ?? [])],
      };
      throw rejection(spec.operation, res, sensitive, 'call');
    }
    if (spec.schema === null) return undefined as T;
    return validate(spec.operation, res, spec.schema);
  }

  /** Neither credentials nor token: `JSON.stringify(client)` and loggers see only these. */
  toJSON(): Record<string, string | number> {
    return {
      baseUrl: this.baseUrl,
      serviceAccountId: this.#creds.serviceAccountId,
      timeoutMs: this.timeoutMs,
    };
  }
}

function validate<S extends z.ZodType>(operation: string, res: TransportResponse, schema: S): z.output<S> {
  let body: unknown;
  try {
    body = parseJsonBody('cloudknox', res);
  } catch {
    throw badResponse(operation, res.status, `HTTP ${res.status} and a body that is not JSON`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    // Field paths only: zod's messages could quote values from the body.
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].slice(0, 5);
    throw badResponse(operation, res.status, `an unexpected shape (check: ${fields.join(', ')})`);
  }
  return parsed.data;
}

function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new TypeError('CloudKnox base URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('CloudKnox base URL must be http(s)');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
