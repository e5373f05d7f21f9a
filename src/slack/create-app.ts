import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { healthRoutes, type ReadinessCheck } from '../http/health-routes.js';
import { toBoltLogger } from '../logging/bolt-logger.js';
import type { BotServices } from './bot-services.js';
import { registerListeners } from './listeners.js';
import { installRequestLogger } from './request-log.js';

export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  apiUrl: string;
  /** From auth.test at start-up, so no request waits on Slack before it can be acked. */
  botUserId: string;
  botId: string;
}

export interface Bot {
  app: App;
  /** Listens on `port` (0 = a free port) and resolves with the bound port. */
  start(port: number): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/**
 * The app factory (DESIGN §6): everything it uses comes in as arguments, so tests build it with the
 * simulators and production builds it from the environment. HTTP mode; Socket Mode is a separate
 * receiver choice made by the composition root.
 */
export function createBot(opts: {
  slack: SlackSettings;
  services: BotServices;
  readiness: ReadinessCheck;
}): Bot {
  const { slack, services } = opts;
  const boltLogger = toBoltLogger(services.logger);
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret,
    endpoints: '/slack/events',
    customRoutes: healthRoutes(opts.readiness),
    logger: boltLogger,
    // Ack first, work after: Slack gives 3 s and our upstreams may take longer.
    processBeforeResponse: false,
  });
  const app = new App({
    receiver,
    token: slack.botToken,
    botId: slack.botId,
    botUserId: slack.botUserId,
    tokenVerificationEnabled: false,
    logger: boltLogger,
    logLevel: LogLevel.INFO,
    clientOptions: {
      slackApiUrl: slack.apiUrl,
      timeout: 10_000,
      // Results are posted after the ack; a few retries there are fine, minutes of them are not.
      retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    },
  });
  installRequestLogger(app, services.logger);
  registerListeners(app, services);
  app.error(async (error) => {
    const log = services.logger;
    log.error(
      { err: { name: error.name, code: error.code, message: error.message } },
      'unhandled error in a listener',
    );
  });

  let server: Server | undefined;
  return {
    app,
    async start(port) {
      server = (await app.start(port)) as Server;
      return { port: (server.address() as AddressInfo).port };
    },
    async stop() {
      if (!server) return;
      server.closeIdleConnections();
      await app.stop();
      server = undefined;
    },
  };
}
