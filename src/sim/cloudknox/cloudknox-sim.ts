import { noFaults, type FaultSwitches } from '../faults.js';
import {
  SimRouter,
  startSimServer,
  type SimHandler,
  type SimReply,
  type SimRequest,
} from '../http-server.js';
import { defaultSeed, type SeedCredentials } from '../seed.js';
import { authenticate, checkToken } from './auth.js';
import { getIntegration, saveIntegration, testIntegration } from './integration-routes.js';
import { createKey, listKeys, requestOtp, resendOtp, revokeKey } from './key-routes.js';
import { fail } from './replies.js';
import {
  CloudKnoxState,
  type EndpointName,
  type InjectedFailure,
  type SimEmail,
  type SimIntegrationView,
  type SimKeyView,
  type SimRequestLog,
  type SimServiceAccountView,
  keyView,
} from './state.js';

export interface CloudKnoxSimOptions {
  port?: number;
  seed?: SeedCredentials;
  /** Where the integration's "Endpoint for ServiceNow" points (the ServiceNow simulator). */
  servicenowUrl: string;
  /** Access token lifetime (default 1 h). */
  tokenTtlMs?: number;
  /** OTP lifetime (default 5 min). */
  otpTtlMs?: number;
  /** Wait before "Resend OTP" is allowed (default 30 s). */
  resendAfterMs?: number;
  /** Timeout of the ServiceNow call behind `/test` (default 5 s). */
  servicenowTimeoutMs?: number;
  /** Clock for tokens, OTPs and dates (default Date.now); tests pass a controllable one. */
  now?: () => number;
}

export interface CloudKnoxSim {
  url: string;
  port: number;
  close(): Promise<void>;
  faults: FaultSwitches;
  /** The INTEGRATION's service account (ServiceNow's record, the Integration tab, key rotation). */
  readonly serviceAccountId: string;
  /** The bot's own service account (what CLOUDKNOX_SERVICE_ACCOUNT_ID names). */
  readonly botServiceAccountId: string;
  /** Emails sent (OTP codes). The code is in `text` and, for convenience, in `otp`. */
  readonly outbox: SimEmail[];
  /** Every API call answered by a route: endpoint, method, path (access keys masked), status, errorCode. */
  readonly requests: SimRequestLog[];
  /** The integration account's keys, ACTIVE and REVOKED, without secrets. */
  keys(): SimKeyView[];
  /** The integration account's newest ACTIVE key (what the Integration tab shows). */
  activeKey(): SimKeyView | undefined;
  /** The secret of one of the integration account's keys, for tests only (the API shows it once). */
  secretKeyOf(accessKey: string): string | undefined;
  /** The bot account's keys, ACTIVE and REVOKED, without secrets. */
  botKeys(): SimKeyView[];
  /** Any service account of the tenant with its keys (no secrets); undefined when unknown. */
  serviceAccount(serviceAccountId: string): SimServiceAccountView | undefined;
  /** Every access token issued so far, for leak hunts in tests. */
  issuedTokens(): string[];
  /** The integration as `GET` shows it, plus `savedOn`; undefined when removed. */
  integration(): SimIntegrationView | undefined;
  /** The stored ServiceNow password, for tests only (the API never returns it). */
  integrationPassword(): string | undefined;
  setIntegration(patch: Partial<IntegrationPatch>): void;
  /** Makes `GET` answer 404 INTEGRATION_NOT_FOUND until `/save` or `setIntegration` creates one. */
  removeIntegration(): void;
  /** Every issued token is now expired: the next call gets 401 TOKEN_EXPIRED. */
  expireTokens(): void;
  /** The next `times` (default 1) calls to `endpoint` answer this error, after the token check. */
  failNext(endpoint: EndpointName, failure: InjectedFailure): void;
  /** The code in the most recent email. */
  lastOtp(): string | undefined;
  /** Wrong codes entered so far for an OTP request. */
  otpAttempts(otpRequestId: string): number | undefined;
}

export interface IntegrationPatch {
  endpoint: string;
  username: string;
  password: string;
  apiEndpoint: string;
  createdBy: string;
  createdOn: string;
}

const BASE = '/api/v2/integrations/servicenow';

export async function startCloudKnoxSim(opts: CloudKnoxSimOptions): Promise<CloudKnoxSim> {
  const faults = noFaults();
  const router = new SimRouter();
  const holder: { state?: CloudKnoxState } = {};
  const st = (): CloudKnoxState => {
    if (!holder.state) throw new Error('CloudKnox simulator not started');
    return holder.state;
  };
  const snTimeout = opts.servicenowTimeoutMs ?? 5000;

  const route =
    (
      name: EndpointName,
      needsToken: boolean,
      handler: (s: CloudKnoxState, r: SimRequest) => SimReply | Promise<SimReply>,
    ): SimHandler =>
    async (req) => {
      const s = st();
      const reply =
        (needsToken ? checkToken(s, req) : undefined) ?? injected(s, name) ?? (await handler(s, req));
      s.log(name, req.method, req.path, reply.status, errorCodeOf(reply));
      return reply;
    };

  router
    .on('POST', '/api/v2/service-account/authenticate', route('authenticate', false, authenticate))
    .on(
      'GET',
      BASE,
      route('getIntegration', true, (s) => getIntegration(s)),
    )
    .on(
      'POST',
      `${BASE}/test`,
      route('testIntegration', true, (s, r) => testIntegration(s, r, snTimeout)),
    )
    .on('POST', `${BASE}/save`, route('saveIntegration', true, saveIntegration))
    .on(
      'GET',
      `${BASE}/keys`,
      route('listKeys', true, (s) => listKeys(s)),
    )
    .on(
      'POST',
      `${BASE}/keys/otp`,
      route('requestOtp', true, (s) => requestOtp(s)),
    )
    .on('POST', `${BASE}/keys/otp/:otpRequestId/resend`, route('resendOtp', true, resendOtp))
    .on('POST', `${BASE}/keys`, route('createKey', true, createKey))
    .on('DELETE', `${BASE}/keys/:accessKey`, route('revokeKey', true, revokeKey));

  const server = await startSimServer({
    router,
    port: opts.port,
    faults,
    notFound: (req) => {
      const reply = fail(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`);
      holder.state?.log('unknown', req.method, req.path, 404, 'NOT_FOUND');
      return reply;
    },
  });

  const state = new CloudKnoxState({
    seed: opts.seed ?? defaultSeed(),
    servicenowUrl: opts.servicenowUrl,
    apiUrl: server.url,
    tokenTtlMs: opts.tokenTtlMs ?? 60 * 60_000,
    otpTtlMs: opts.otpTtlMs ?? 5 * 60_000,
    resendAfterMs: opts.resendAfterMs ?? 30_000,
    now: opts.now ?? Date.now,
  });
  holder.state = state;

  return {
    url: server.url,
    port: server.port,
    close: () => server.close(),
    faults,
    serviceAccountId: state.serviceAccountId,
    botServiceAccountId: state.botAccount.id,
    outbox: state.outbox,
    requests: state.requests,
    keys: () => state.keys.map(keyView),
    activeKey: () => {
      const k = state.activeKey();
      return k ? keyView(k) : undefined;
    },
    secretKeyOf: (accessKey) => state.findKey(accessKey)?.secretKey,
    botKeys: () => state.botAccount.keys.map(keyView),
    serviceAccount: (id) => {
      const account = state.account(id);
      return account ? state.accountView(account) : undefined;
    },
    issuedTokens: () => [...state.issuedTokens],
    integration: () => state.integrationView(),
    integrationPassword: () => state.integration?.password,
    setIntegration: (patch) => {
      state.integration ??= {
        endpoint: opts.servicenowUrl,
        username: '',
        password: '',
        apiEndpoint: server.url,
        createdBy: state.opts.seed.cloudknox.createdBy,
        createdOn: state.iso(),
        savedOn: null,
      };
      Object.assign(state.integration, patch);
    },
    removeIntegration: () => {
      state.integration = undefined;
    },
    expireTokens: () => {
      for (const t of state.tokens.values()) t.expiresAt = 0;
    },
    failNext: (endpoint, failure) => {
      const queue = state.failures.get(endpoint) ?? [];
      queue.push({ ...failure });
      state.failures.set(endpoint, queue);
    },
    lastOtp: () => state.outbox.at(-1)?.otp,
    otpAttempts: (id) => state.otps.get(id)?.attempts,
  };
}

function injected(state: CloudKnoxState, name: EndpointName): SimReply | undefined {
  const f = state.takeFailure(name);
  if (!f) return undefined;
  const body =
    f.errorCode || f.message
      ? { errorCode: f.errorCode ?? 'INJECTED', message: f.message ?? 'Injected failure', ...f.extra }
      : undefined;
  return { status: f.status, ...(body ? { body } : {}), ...(f.headers ? { headers: f.headers } : {}) };
}

function errorCodeOf(reply: SimReply): string | undefined {
  const b = reply.body as { errorCode?: unknown; status?: unknown } | undefined;
  if (b && typeof b === 'object' && typeof b.errorCode === 'string') return b.errorCode;
  return undefined;
}
