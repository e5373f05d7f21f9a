import { App, LogLevel } from '@slack/bolt';
import type { ReadinessCheck } from '../http/health-routes.js';
import { toBoltLogger } from '../logging/bolt-logger.js';
import { errorSummary } from '../logging/error-summary.js';
import type { BotServices } from './bot-services.js';
import { registerListeners } from './listeners.js';
import { createTransport, type SlackMode } from './receivers.js';
import { InFlight } from './in-flight.js';
import { ackedIfUnknown } from './known-ids.js';
import { rateLimitAwareFetch } from './rate-limit-fetch.js';
import { attachRequestLog } from './request-log.js';

export interface SlackSettings {
  botToken: string;
  /** Verifies every request in HTTP mode; unused in Socket Mode. */
  signingSecret: string;
  /** App-level token (`xapp-…`): when set, Slack is reached over Socket Mode instead of HTTP. */
  appToken?: string | undefined;
  apiUrl: string;
  /** From auth.test at start-up, so no request waits on Slack before it can be acked. */
  botUserId: string;
  botId: string;
}

export interface Bot {
  app: App;
  /** How Slack reaches the bot: 'http' (request URL) or 'socket' (Socket Mode). */
  mode: SlackMode;
  /** Listens on `port` (0 = a free port) and resolves with the bound port. */
  start(port: number): Promise<{ port: number }>;
  /** Stops taking requests, then waits up to `drainMs` for work already acked. */
  stop(drainMs?: number): Promise<void>;
}

/**
 * The app factory (DESIGN §6): everything it uses comes in as arguments, so tests build it with the
 * simulators and production builds it from the environment. The receiver is the only difference
 * between HTTP mode and Socket Mode (receivers.ts); the listeners are the same.
 */
export function createBot(opts: {
  slack: SlackSettings;
  services: BotServices;
  readiness: ReadinessCheck;
}): Bot {
  const { slack, services } = opts;
  const boltLogger = toBoltLogger(services.logger);
  const transport = createTransport({
    appToken: slack.appToken,
    signingSecret: slack.signingSecret,
    apiUrl: slack.apiUrl,
    readiness: opts.readiness,
    boltLogger,
    logger: services.logger,
  });
  const app = new App({
    receiver: transport.receiver,
    token: slack.botToken,
    botId: slack.botId,
    botUserId: slack.botUserId,
    tokenVerificationEnabled: false,
    // Bolt's conversation store keeps state per channel in this process's memory (wrong with
    // replicas) and builds an Error for every request that has none; nothing here uses it.
    convoStore: false,
    // The bot subscribes to no events, so it never receives its own messages to ignore; the check
    // would only add a middleware to every request.
    ignoreSelf: false,
    logger: boltLogger,
    logLevel: LogLevel.INFO,
    clientOptions: {
      slackApiUrl: slack.apiUrl,
      timeout: 10_000,
      // Results are posted after the ack; a few retries there are fine, minutes of them are not.
      retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
      // Fix (issue 6, hardening): a 429 waits for its own call only, never pausing the shared
      // client's queue for every channel (rate-limit-fetch.ts).
      fetch: rateLimitAwareFetch(),
      rejectRateLimitedCalls: true,
    },
  });
  const known = registerListeners(app, services);
  const inFlight = new InFlight();
  // Every request, before any listener: its own logger, counted in flight until its listener ends
  // (graceful stop waits for it), and acked at once if no listener would take it. One middleware,
  // not three: Bolt copies its argument object for each middleware on every request.
  app.use(async (args) => {
    const log = attachRequestLog(args.context, args.body, services.logger);
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    await inFlight.track(async () => {
      if (!(await ackedIfUnknown(known, args.body, ack, log))) await args.next();
    });
  });
  app.error(async (error) => {
    const log = services.logger;
    log.error({ err: errorSummary(error) }, 'unhandled error in a listener');
  });

  return {
    app,
    mode: transport.mode,
    start: async (port) => ({ port: await transport.start(port) }),
    // Stop taking requests first, then let work already acked finish (bounded), then return.
    stop: async (drainMs = 10_000) => {
      await transport.stop();
      const drained = await inFlight.drain(drainMs);
      if (!drained)
        services.logger.warn(
          { event: 'stop_timeout', inFlight: inFlight.size },
          'stopped with work still in flight',
        );
    },
  };
}
