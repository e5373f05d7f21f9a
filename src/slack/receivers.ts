import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildReceiverRoutes,
  HTTPReceiver,
  SocketModeReceiver,
  type CustomRoute,
  type Logger as BoltLogger,
} from '@slack/bolt';
import { healthRoutes, type ReadinessCheck } from '../http/health-routes.js';
import { gateRequests, MAX_BODY_BYTES } from './request-gate.js';
import type { Logger } from '../logging/logger.js';

/**
 * The two ways Slack reaches the bot (DESIGN §5.3). Both serve the same custom routes (`/healthz`,
 * `/readyz`) on PORT, listen on port 0 for tests, report the bound port and close everything on
 * stop; the listeners never know which one is in use.
 */
export type SlackMode = 'http' | 'socket';

/** How long a stop waits for open HTTP connections before cutting them. */
const STOP_GRACE_MS = 3_000;

export interface Transport {
  mode: SlackMode;
  receiver: HTTPReceiver | SocketModeReceiver;
  /** Starts receiving; resolves with the bound HTTP port once Slack can reach the bot. */
  start(port: number): Promise<number>;
  stop(): Promise<void>;
}

export interface TransportOptions {
  /** Set: Socket Mode with this app-level token (`xapp-…`). Unset: HTTP with the signing secret. */
  appToken?: string | undefined;
  signingSecret: string;
  /** Web API base URL; Socket Mode calls apps.connections.open there. */
  apiUrl: string;
  readiness: ReadinessCheck;
  boltLogger: BoltLogger;
  logger: Logger;
}

export function createTransport(opts: TransportOptions): Transport {
  return opts.appToken ? socketModeTransport({ ...opts, appToken: opts.appToken }) : httpTransport(opts);
}

function httpTransport(opts: TransportOptions): Transport {
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret,
    endpoints: '/slack/events',
    customRoutes: healthRoutes(opts.readiness),
    logger: opts.boltLogger,
    // Ack first, work after: Slack gives 3 s and our upstreams may take longer.
    processBeforeResponse: false,
    // Fix (issue 6, hardening): Bolt's default is 4 MB; Slack's requests are far smaller.
    bodyLimit: MAX_BODY_BYTES,
    // The request gate (below) verifies every signature and refuses what fails with 401 before
    // Bolt sees it; verifying again in Bolt cost a second HMAC and body parse per request.
    signatureVerification: false,
  });
  // Fix (issue 6, hardening): checks Bolt lacks, before Bolt sees the request (request-gate.ts).
  gateRequests(receiver, {
    endpoint: '/slack/events',
    signingSecret: opts.signingSecret,
    logger: opts.logger,
  });
  let server: Server | undefined;
  return {
    mode: 'http',
    receiver,
    async start(port) {
      server = await receiver.start(port);
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      if (!server) return;
      const stopping = server;
      stopping.closeIdleConnections();
      // close() waits for every open connection, and a client that never finishes sending its
      // request (or keeps a keep-alive connection busy) would hold it for minutes, past main.ts's
      // forced exit. After a short grace, connections still open are cut: by then any request on
      // them is past Slack's 3 s anyway. Work already acked is drained afterwards (create-app.ts).
      const cut = setTimeout(() => stopping.closeAllConnections(), STOP_GRACE_MS);
      try {
        await receiver.stop();
      } finally {
        clearTimeout(cut);
        server = undefined;
      }
    },
  };
}

/**
 * Bolt's SocketModeReceiver for the events, with the custom routes on an HTTP server of our own:
 * the receiver's own server takes its port at construction, does not report the bound port, and
 * neither waits for `listen` nor for `close`.
 */
function socketModeTransport(opts: TransportOptions & { appToken: string }): Transport {
  const receiver = new SocketModeReceiver({
    appToken: opts.appToken,
    logger: opts.boltLogger,
    // The Socket Mode client's own WebClient: apps.connections.open goes to SLACK_API_URL. Its retry
    // policy stays the client's (many quick retries), made for reconnecting.
    installerOptions: { clientOptions: { slackApiUrl: opts.apiUrl, timeout: 10_000 } },
  });
  const client = receiver.client;
  const log = opts.logger.child({ component: 'socket-mode' });
  let connected = false;
  client.on('connected', () => {
    connected = true;
    log.info({ event: 'socket_connected' }, 'Slack Socket Mode connected');
  });
  client.on('reconnecting', () => {
    connected = false;
    // Routine: Slack refreshes every connection every few hours.
    log.info({ event: 'socket_reconnecting' }, 'Slack Socket Mode reconnecting');
  });
  // 'close': the socket dropped (the client reconnects a few seconds later); 'disconnected': stopped.
  for (const gone of ['close', 'disconnected']) client.on(gone, () => (connected = false));
  // Ready also means the socket to Slack is up: without it no command reaches this replica.
  const readiness: ReadinessCheck = async () => {
    const r = await opts.readiness();
    return {
      ready: r.ready && connected,
      checks: { ...r.checks, slack_socket: connected ? 'ok' : 'disconnected' },
    };
  };
  const customRoutes = healthRoutes(readiness);
  let routes: Server | undefined;
  return {
    mode: 'socket',
    receiver,
    async start(port) {
      routes = await serveRoutes(customRoutes, port);
      try {
        await receiver.start();
      } catch (err) {
        await client.disconnect().catch(() => undefined);
        await closeServer(routes);
        routes = undefined;
        throw err;
      }
      return (routes.address() as AddressInfo).port;
    },
    async stop() {
      // disconnect() resolves once the socket is closed; receiver.stop() would not wait for it.
      await client.disconnect();
      if (routes) await closeServer(routes);
      routes = undefined;
    },
  };
}

function serveRoutes(customRoutes: CustomRoute[], port: number): Promise<Server> {
  const routes = buildReceiverRoutes(customRoutes);
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes[pathname]?.[(req.method ?? 'GET').toUpperCase()];
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    handler(Object.assign(req, { params: {} }), res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
