import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { noFaults, type FaultSwitches } from '../faults.js';
import { SimRouter, startSimServer, type RunningServer } from '../http-server.js';
import { Clock, TsMinter } from './clock.js';
import { SlackDriver } from './driver.js';
import type { SlackMessage } from './history.js';
import { MessageStore } from './history.js';
import type { ApiCall } from './recorder.js';
import { describeCall, FailQueue, waitForEvent } from './recorder.js';
import type { ResponseUrlPost } from './response-urls.js';
import { ResponseUrlStore } from './response-urls.js';
import { SocketModeServer } from './socket-mode-server.js';
import type { EmulatorConfig, EmulatorState } from './state.js';
import { TriggerStore } from './triggers.js';
import type { EmulatedView } from './views.js';
import { ViewStore } from './views.js';
import { webApiHandler } from './web-api.js';
import { TEAM_DOMAIN, TEAM_ID, Workspace } from './workspace.js';

export interface SlackEmulatorOptions {
  port?: number;
  signingSecret: string;
  botToken: string;
  /** The bot's request URL, e.g. http://127.0.0.1:3000/slack/events (also settable later). */
  appUrl?: string;
  teamId?: string;
  /** The deprecated verification token Slack puts in payloads. */
  verificationToken?: string;
  /** How long the driver waits for the app's ack (Slack: 3000). */
  ackTimeoutMs?: number;
  /** How long a trigger_id stays usable (Slack: 3000). */
  triggerTtlMs?: number;
  /** A fresh workspace instead of the seeded one. */
  workspace?: Workspace;
  /** The app-level token (`xapp-…`) apps.connections.open accepts; default a random one. */
  appToken?: string;
  /** How often the Socket Mode server pings each connection (default 10 s; 0 = never). */
  socketPingIntervalMs?: number;
}

export interface SlackEmulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Base URL for WebClient's `slackApiUrl`; ends with `/api/`. */
  apiUrl: string;
  port: number;
  /** Where the driver POSTs interactions (the bot's request URL). */
  appUrl: string | undefined;
  readonly config: EmulatorConfig;
  readonly workspace: Workspace;
  readonly driver: SlackDriver;
  /** The app-level token for Socket Mode (`SLACK_APP_TOKEN`). */
  readonly appToken: string;
  /** Socket Mode: apps.connections.open, the WebSocket, envelopes and acks. */
  readonly socketMode: SocketModeServer;
  /** HTTP-level faults (latency, 5xx, hang, reset, malformed) for every path. */
  readonly faults: FaultSwitches;
  /** Every Web API call, in order. */
  readonly calls: ApiCall[];
  /** Every POST to a response_url, in order. */
  readonly responseUrlPosts: ResponseUrlPost[];
  /** Emits 'call' (ApiCall), 'message' (MessageEvent), 'view' (ViewEvent), 'response_url' (ResponseUrlPost). */
  readonly events: EventEmitter;
  readonly state: EmulatorState;

  /** A channel's messages, current state, oldest first; `visibleTo` filters others' ephemerals. */
  messages(channelId: string, opts?: { includeDeleted?: boolean; visibleTo?: string }): SlackMessage[];
  views(): Map<string, EmulatedView>;
  view(viewId: string): EmulatedView | undefined;
  /** Errors shown in the modal (from `response_action: errors`). */
  viewErrors(viewId: string): Record<string, string> | undefined;
  /** The modal on top of the user's screen, if any. */
  openView(userId: string): EmulatedView | undefined;
  /** Resolves with the first Web API call, past or future, that matches. */
  waitFor(predicate: (call: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  /** Resolves with the first message in the channel, present or future, that matches. */
  waitForMessage(
    channelId: string,
    predicate: (m: SlackMessage) => boolean,
    timeoutMs?: number,
  ): Promise<SlackMessage>;
  /** The next call(s) of `method` ('*' for any) fail with `error`; `ratelimited` is HTTP 429 + Retry-After. */
  failNext(
    method: string,
    error: string,
    opts?: { retryAfter?: number; times?: number; extra?: Record<string, unknown> },
  ): void;
  /** A trigger_id as an interaction by this user would mint (valid for triggerTtlMs, once). */
  mintTrigger(userId: string, ctx?: { channelId?: string; viewId?: string }): string;
  /** A response_url bound to this channel and user, as a slash command would get. */
  mintResponseUrl(userId: string, channelId: string, sourceTs?: string): string;
  /** Moves the emulator's clock forward (expires triggers and response URLs without waiting). */
  advanceTime(ms: number): void;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5000;

export async function startSlackEmulator(opts: SlackEmulatorOptions): Promise<SlackEmulator> {
  const config: EmulatorConfig = {
    signingSecret: opts.signingSecret,
    botToken: opts.botToken,
    verificationToken: opts.verificationToken ?? 'vErIfIcAtIoNtOkEnEmUlAtOr',
    teamId: opts.teamId ?? TEAM_ID,
    teamDomain: TEAM_DOMAIN,
    ackTimeoutMs: opts.ackTimeoutMs ?? 3000,
    triggerTtlMs: opts.triggerTtlMs ?? 3000,
    responseUrlMaxUses: 5,
    responseUrlTtlMs: 30 * 60 * 1000,
  };
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const clock = new Clock();
  const ts = new TsMinter(clock);
  const state: EmulatorState = {
    config,
    baseUrl: '',
    clock,
    ts,
    workspace: opts.workspace ?? new Workspace(),
    history: new MessageStore(ts, events),
    views: new ViewStore(clock, events, config.teamId),
    triggers: new TriggerStore(clock, () => config.triggerTtlMs),
    responseUrls: new ResponseUrlStore(() => state),
    events,
    calls: [],
    responseUrlPosts: [],
    fails: new FailQueue(),
  };

  const socketMode = new SocketModeServer(state, {
    appToken: opts.appToken ?? `xapp-1-A0CLOUDKNX-${Date.now()}-${randomBytes(32).toString('hex')}`,
    pingIntervalMs: opts.socketPingIntervalMs,
  });
  const router = new SimRouter()
    // Before /api/:method: it takes the app-level token, not the bot token.
    .on('POST', '/api/apps.connections.open', socketMode.connectionsOpen())
    .on('POST', '/api/:method', webApiHandler(state))
    .on('GET', '/api/:method', webApiHandler(state))
    .on('POST', '/response/:team/:hook/:secret', (req) => state.responseUrls.handle(req));
  const faults = noFaults();
  const server: RunningServer = await startSimServer({
    router,
    port: opts.port,
    faults,
    notFound: () => ({ status: 404, headers: { 'content-type': 'text/plain' }, body: 'not_found' }),
  });
  state.baseUrl = server.url;
  socketMode.attach(server.server);

  const emulator: SlackEmulator = {
    url: server.url,
    apiUrl: `${server.url}/api/`,
    port: server.port,
    appUrl: opts.appUrl,
    config,
    workspace: state.workspace,
    driver: new SlackDriver(state, () => emulator.appUrl, socketMode),
    appToken: socketMode.appToken,
    socketMode,
    faults,
    calls: state.calls,
    responseUrlPosts: state.responseUrlPosts,
    events,
    state,
    messages: (channelId, o) => state.history.list(channelId, o),
    views: () => state.views.all(),
    view: (id) => state.views.get(id),
    viewErrors: (id) => state.views.get(id)?.errors,
    openView: (userId) => state.views.topFor(userId),
    waitFor: (predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      waitForEvent({
        events,
        event: 'call',
        past: () => state.calls,
        predicate,
        timeoutMs,
        describe: describeCall,
        what: 'a matching Web API call',
      }),
    waitForMessage: (channelId, predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      waitForEvent<SlackMessage>({
        events,
        event: 'message-state',
        past: () => state.history.list(channelId),
        predicate: (m) => m.channel === channelId && !m.deleted && predicate(m),
        timeoutMs,
        describe: (m) =>
          `${m.ts} ${m.ephemeralTo ? `(ephemeral to ${m.ephemeralTo}) ` : ''}${m.text.slice(0, 80)}`,
        what: `a matching message in ${channelId}`,
      }),
    failNext: (method, error, o = {}) =>
      state.fails.add({ method, error, retryAfter: o.retryAfter, times: o.times ?? 1, extra: o.extra }),
    mintTrigger: (userId, ctx = {}) => state.triggers.mint({ userId, ...ctx }),
    mintResponseUrl: (userId, channelId, sourceTs) =>
      state.responseUrls.mint({
        kind: sourceTs ? 'block_actions' : 'command',
        channelId,
        userId,
        sourceTs,
      }).url,
    advanceTime: (ms) => clock.advance(ms),
    close: async () => {
      await socketMode.close();
      await server.close();
    },
  };
  // waitForMessage listens for any change of state (posted or updated) and re-checks the message.
  events.on('message', (e: { message: SlackMessage }) => events.emit('message-state', e.message));
  return emulator;
}
