import { WebClient } from '@slack/web-api';
import { AccessControl } from './access/access-control.js';
import { CloudKnoxClient } from './clients/cloudknox/cloudknox-client.js';
import { OutboundPolicy, type ResolveFunction } from './clients/outbound-policy.js';
import { normalizeInstanceUrl } from './clients/servicenow/instance-url.js';
import { ServiceNowClient } from './clients/servicenow/servicenow-client.js';
import type { Env } from './config/env-schema.js';
import { toBoltLogger } from './logging/bolt-logger.js';
import type { Logger } from './logging/logger.js';
import type { BotServices } from './slack/bot-services.js';
import { createBot, type Bot } from './slack/create-app.js';
import { startRotationSweeper } from './slack/rotation-sweeper.js';
import { slackErrorCode } from './slack/slack-error.js';
import { StoreConnectionLedger } from './store/connection-ledger-store.js';
import { createStore, type StateStore } from './store/index.js';
import { RotationService } from './flows/rotation/rotation-service.js';
import { sharedRead } from './flows/shared-read.js';
import { StoreAuditLog, StoreRotationRepository } from './store/rotation-repository-store.js';

/**
 * The composition root: turns a validated environment into a running bot. `main.ts` calls it with
 * the process environment; the sandbox calls it with the simulators' environment. Same code path.
 */
export interface RunningBot {
  bot: Bot;
  port: number;
  /** The state store, for operations tooling and tests that inspect what was stored. */
  store: StateStore;
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Knobs that are not part of the public environment: tests shorten timeouts with them. */
export interface BotTuning {
  upstreamTimeoutMs?: number;
  /** The DNS resolver behind the outbound policy's address check (tests map names to addresses). */
  resolve?: ResolveFunction;
}

export async function startBot(env: Env, logger: Logger, tuning: BotTuning = {}): Promise<RunningBot> {
  // Where CloudKnox and ServiceNow credentials may be sent (src/clients/outbound-policy.ts).
  const outbound = new OutboundPolicy({
    allowInsecureLoopback: env.ALLOW_INSECURE_LOOPBACK,
    allowPrivateNetworks: env.ALLOW_PRIVATE_NETWORKS,
    servicenowAllowedHosts: env.SERVICENOW_ALLOWED_HOSTS,
    resolve: tuning.resolve,
  });
  const servicenowUrl = normalizeInstanceUrl(env.SERVICENOW_INSTANCE_URL);
  await refuseDisallowedUpstreams(outbound, env.CLOUDKNOX_API_URL, servicenowUrl);
  // Used on the ack path (auth at start-up, user-group lookups before a command is acked): no
  // retries and a short timeout, so a slow or rate-limiting Slack is a quick "no", not a missed ack.
  const slackClient = new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL,
    timeout: 1_500,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: toBoltLogger(logger),
  });
  const identity = await slackClient.auth.test().catch((err: unknown) => {
    throw new StartupError(
      `Slack rejected SLACK_BOT_TOKEN or could not be reached (${slackErrorCode(err) ?? 'no answer'}); check the token and SLACK_API_URL`,
    );
  });
  // Redis down at start is not fatal: /readyz says not ready and the store reconnects by itself.
  const store = await createStore({
    redisUrl: env.REDIS_URL,
    onConnectionChange: (change) =>
      change.state === 'ready'
        ? logger.info({ event: 'store_ready', backend: 'redis' }, 'state store connected')
        : logger.warn({ event: 'store_unavailable', reason: change.reason }, 'state store unavailable'),
  });
  const cloudknox = new CloudKnoxClient({
    baseUrl: env.CLOUDKNOX_API_URL,
    serviceAccountId: env.CLOUDKNOX_SERVICE_ACCOUNT_ID,
    accessKey: env.CLOUDKNOX_ACCESS_KEY,
    secretKey: env.CLOUDKNOX_SECRET_KEY,
    timeoutMs: tuning.upstreamTimeoutMs,
    outbound,
  });
  const servicenow = new ServiceNowClient({
    instanceUrl: servicenowUrl,
    username: env.SERVICENOW_USERNAME,
    password: env.SERVICENOW_PASSWORD,
    timeoutMs: tuning.upstreamTimeoutMs,
    outbound,
  });
  const audit = new StoreAuditLog(store, logger);
  const rotation = new RotationService({
    repo: new StoreRotationRepository(store),
    audit,
    keys: {
      getIntegration: () => cloudknox.getIntegration(),
      requestKeyOtp: () => cloudknox.requestKeyOtp(),
      resendKeyOtp: (id) => cloudknox.resendKeyOtp(id),
      createKey: (input) => cloudknox.createKey(input),
      revokeKey: (accessKey) => cloudknox.revokeKey(accessKey),
      listKeys: () => cloudknox.listKeys(),
      verifyCredentials: (key) =>
        CloudKnoxClient.verifyCredentials(env.CLOUDKNOX_API_URL, key, tuning.upstreamTimeoutMs, outbound),
    },
    servicenow,
    configTable: env.SERVICENOW_CONFIG_TABLE,
    ttlMs: env.ROTATION_REQUEST_TTL_MINUTES * 60_000,
    // The bot's own key is never the one revoked, whatever ServiceNow was found holding.
    protectedAccessKey: env.CLOUDKNOX_ACCESS_KEY,
    leaseMs: env.ROTATION_LEASE_SECONDS * 1000,
  });
  const services: BotServices = {
    cloudknox,
    integrationForDisplay: sharedRead(() => cloudknox.getIntegration()),
    servicenow,
    access: new AccessControl({
      admins: env.CLOUDKNOX_ADMINS,
      approvers: env.CLOUDKNOX_APPROVERS,
      groupMembers: async (usergroup) => (await slackClient.usergroups.users.list({ usergroup })).users ?? [],
    }),
    settings: {
      configTable: env.SERVICENOW_CONFIG_TABLE,
      integrationUser: env.SERVICENOW_INTEGRATION_USER,
      servicenowUrl,
      cloudknoxUrl: env.CLOUDKNOX_API_URL,
      rotationApproval: env.ROTATION_APPROVAL,
      approvalChannel: env.APPROVAL_CHANNEL,
    },
    ledger: new StoreConnectionLedger(store),
    rotation,
    audit,
    logger,
  };
  const bot = createBot({
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET ?? '',
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL,
      botUserId: identity.user_id ?? '',
      botId: identity.bot_id ?? '',
    },
    services,
    readiness: async () => {
      const storeOk = await store.ping().then(
        () => 'ok',
        () => 'unavailable',
      );
      return { ready: storeOk === 'ok', checks: { config: 'ok', store: storeOk } };
    },
  });
  const { port } = await bot.start(env.PORT).catch((err: unknown) => {
    // Socket Mode starts with apps.connections.open: a bad app token is a configuration error.
    const code = (err as { code?: unknown } | null)?.code;
    if (bot.mode === 'socket' && typeof code === 'string' && code.startsWith('slack_webapi_')) {
      throw new StartupError(
        `Slack refused the Socket Mode connection or could not be reached (${slackErrorCode(err) ?? 'no answer'}); check SLACK_APP_TOKEN (an app-level token with connections:write) and SLACK_API_URL`,
      );
    }
    throw err;
  });
  const stopSweeper = startRotationSweeper({
    services,
    client: bot.app.client,
    log: logger,
    intervalMs: (env.ROTATION_LEASE_SECONDS * 1000) / 2,
  });
  logger.info(
    {
      event: 'started',
      port,
      mode: bot.mode,
      store: env.REDIS_URL ? 'redis' : 'memory',
      team: identity.team_id,
    },
    'cloudknox-chatops is listening',
  );
  return {
    bot,
    port,
    store,
    stop: async () => {
      stopSweeper();
      await bot.stop();
      await store.close();
      outbound.destroy();
    },
  };
}

/**
 * The config check (env-schema.ts) already refused plain http, hosts off the ServiceNow allowlist and
 * internal IP literals; this repeats it on the URLs the clients will use and resolves the host names
 * once, so a name that points inside the network stops the bot here, naming the variable.
 */
async function refuseDisallowedUpstreams(
  outbound: OutboundPolicy,
  cloudknoxUrl: string,
  servicenowUrl: string,
): Promise<void> {
  const targets = [
    ['CLOUDKNOX_API_URL', 'cloudknox', cloudknoxUrl],
    ['SERVICENOW_INSTANCE_URL', 'servicenow', servicenowUrl],
  ] as const;
  for (const [name, service, url] of targets) {
    const problem = outbound.urlProblem(service, url) ?? (await outbound.resolvedProblem(url));
    if (problem) throw new StartupError(`config error: ${name} ${problem.text}`);
  }
}
