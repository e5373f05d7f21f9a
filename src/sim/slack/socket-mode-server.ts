import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SimHandler } from '../http-server.js';
import type { AckReply } from './ack.js';
import type { ApiCall } from './recorder.js';
import { waitForEvent } from './recorder.js';
import { fail, type ApiResult, type EmulatorState } from './state.js';
import { parseArgs } from './web-api.js';
import { APP_ID } from './workspace.js';

/**
 * Slack's Socket Mode, server side. `apps.connections.open` (app-level token `xapp-…`) hands out a
 * single-use `ws://…/link/?ticket=…` URL; on connect the server says `hello`; interactions are sent
 * as envelopes `{envelope_id, type, payload, accepts_response_payload}` and the app answers each
 * with `{envelope_id, payload?}` within the ack timeout (3 s), as it would answer an HTTP request.
 * `disconnect` messages ask the app to reconnect (`refresh_requested`, `warning`, `link_disabled`).
 */
export type EnvelopeType = 'slash_commands' | 'interactive';

export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
}

export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

/** One envelope as sent, and what became of it. */
export interface EnvelopeRecord {
  envelope: SocketEnvelope;
  connectionId: number;
  /** performance.now() when it was sent. */
  sentAt: number;
  /** Set when an ack arrived (`late` when after the timeout, which Slack ignores). */
  ack?: { payload: unknown; ms: number; late: boolean };
  timedOut: boolean;
}

export interface SocketConnection {
  id: number;
  /** Open and greeted with `hello`. */
  open: boolean;
  closeCode?: number;
  /** Every message the app sent on this connection, parsed (non-JSON kept as the raw string). */
  received: unknown[];
}

export interface SocketModeServerOptions {
  appToken: string;
  appId?: string;
  /** How long a URL from apps.connections.open stays usable. */
  ticketTtlMs?: number;
  /** How often the server pings each connection; 0 = never. */
  pingIntervalMs?: number;
}

type Reply = AckReply & { ackMs: number };

interface Live {
  info: SocketConnection;
  ws: WebSocket;
  pinger?: NodeJS.Timeout;
}

interface Pending {
  record: EnvelopeRecord;
  settle: (reply: Reply) => void;
}

export class SocketModeServer {
  readonly appToken: string;
  readonly appId: string;
  /** Every connection ever made, in order. */
  readonly connections: SocketConnection[] = [];
  /** Every envelope sent, in order. */
  readonly envelopes: EnvelopeRecord[] = [];
  readonly events = new EventEmitter();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  private readonly live = new Map<number, Live>();
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private turn = 0;

  constructor(
    private readonly s: EmulatorState,
    private readonly opts: SocketModeServerOptions,
  ) {
    this.appToken = opts.appToken;
    this.appId = opts.appId ?? APP_ID;
    this.events.setMaxListeners(100);
  }

  /** Takes WebSocket upgrades for `/link/` on the emulator's HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const ticket = url.searchParams.get('ticket') ?? '';
      const issuedAt = this.tickets.get(ticket);
      this.tickets.delete(ticket);
      const fresh = issuedAt !== undefined && Date.now() - issuedAt <= (this.opts.ticketTtlMs ?? 30_000);
      if (url.pathname.replace(/\/$/, '') !== '/link' || !fresh) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  /** The `apps.connections.open` Web API method: app-level token only. */
  connectionsOpen(): SimHandler {
    return (req) => {
      const { args, token } = parseArgs(req);
      let response: ApiResult;
      let status = 200;
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      const rule = token === this.appToken ? this.s.fails.take('apps.connections.open') : undefined;
      if (!token) response = fail('not_authed');
      else if (token !== this.appToken) response = fail('invalid_auth');
      else if (rule?.error === 'ratelimited') {
        status = 429;
        headers['retry-after'] = String(rule.retryAfter ?? 1);
        response = fail('ratelimited', rule.extra);
      } else if (rule) response = fail(rule.error, rule.extra);
      else {
        const ticket = randomUUID();
        this.tickets.set(ticket, Date.now());
        const wsBase = this.s.baseUrl.replace(/^http/, 'ws');
        response = { ok: true, url: `${wsBase}/link/?ticket=${ticket}` };
      }
      const call: ApiCall = {
        method: 'apps.connections.open',
        args,
        token,
        at: this.s.clock.now(),
        response,
        status,
      };
      this.s.calls.push(call);
      this.s.events.emit('call', call);
      return { status, headers, body: response };
    };
  }

  /** Connections that are open now. */
  openConnections(): SocketConnection[] {
    return [...this.live.values()].map((l) => l.info);
  }

  /** Resolves once `count` connections (default 1) are open at the same time. */
  async waitForOpen(count = 1, timeoutMs = 10_000): Promise<void> {
    await waitForEvent({
      events: this.events,
      event: 'change',
      past: () => (this.live.size >= count ? [this.live.size] : []),
      predicate: () => this.live.size >= count,
      timeoutMs,
      describe: (n) => `${n} open`,
      what: `${count} open Socket Mode connection(s)`,
    });
  }

  /**
   * Sends an envelope on one open connection (in turn, as Slack spreads them) and resolves with the
   * app's ack as an AckReply, or timed out after `ackTimeoutMs`, or a connection error when no
   * connection is open (Slack then shows the user "dispatch_failed").
   */
  deliver(type: EnvelopeType, payload: Record<string, unknown>): Promise<Reply> {
    const conns = [...this.live.values()];
    const started = performance.now();
    if (conns.length === 0) {
      return Promise.resolve({
        status: 0,
        body: '',
        contentType: undefined,
        timedOut: false,
        connectionError: 'no_socket_mode_connection',
        ackMs: 0,
      });
    }
    const conn = conns[this.turn++ % conns.length]!;
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: true,
    };
    const record: EnvelopeRecord = { envelope, connectionId: conn.info.id, sentAt: started, timedOut: false };
    this.envelopes.push(record);
    return new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelope.envelope_id);
        record.timedOut = true;
        const ackMs = performance.now() - started;
        resolve({ status: 0, body: '', contentType: undefined, timedOut: true, ackMs });
      }, this.s.config.ackTimeoutMs);
      this.pending.set(envelope.envelope_id, {
        record,
        settle: (reply) => {
          clearTimeout(timer);
          this.pending.delete(envelope.envelope_id);
          resolve(reply);
        },
      });
      conn.ws.send(JSON.stringify(envelope));
      this.events.emit('envelope', record);
    });
  }

  /**
   * Sends `{"type":"disconnect","reason":…}` to every open connection; Slack closes the connection
   * itself if the app has not done so after `closeAfterMs` (`warning` comes ~10 s before that).
   */
  disconnect(reason: DisconnectReason = 'refresh_requested', opts: { closeAfterMs?: number } = {}): void {
    for (const conn of this.live.values()) {
      conn.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } }));
      const timer = setTimeout(() => conn.ws.close(1000), opts.closeAfterMs ?? 10_000);
      timer.unref();
      conn.ws.once('close', () => clearTimeout(timer));
    }
  }

  /** Drops every connection without a word, as a network failure would. */
  dropAll(): void {
    for (const conn of this.live.values()) conn.ws.terminate();
  }

  async close(): Promise<void> {
    for (const p of this.pending.values())
      p.settle({ status: 0, body: '', contentType: undefined, timedOut: true, ackMs: 0 });
    const closed = [...this.live.values()].map(
      (conn) => new Promise<void>((resolve) => conn.ws.once('close', () => resolve())),
    );
    this.dropAll();
    await Promise.all(closed);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const info: SocketConnection = { id: this.nextId++, open: true, received: [] };
    const conn: Live = { info, ws };
    this.connections.push(info);
    this.live.set(info.id, conn);
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.live.size,
        debug_info: {
          host: 'applink-emulator',
          started: new Date().toISOString().replace('T', ' ').replace('Z', ''),
          build_number: 1,
          approximate_connection_time: 18060,
        },
        connection_info: { app_id: this.appId },
      }),
    );
    const interval = this.opts.pingIntervalMs ?? 10_000;
    if (interval > 0) {
      conn.pinger = setInterval(() => ws.ping(), interval);
      conn.pinger.unref();
    }
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(info, data, isBinary));
    ws.on('close', (code: number) => {
      clearInterval(conn.pinger);
      info.open = false;
      info.closeCode = code;
      this.live.delete(info.id);
      this.events.emit('change', info);
    });
    ws.on('error', () => undefined); // a broken client connection is the client's problem
    this.events.emit('change', info);
  }

  private onMessage(info: SocketConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    const raw = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
    let msg: unknown = raw;
    try {
      msg = JSON.parse(raw);
    } catch {
      // kept as the raw string; Slack ignores what it cannot read
    }
    info.received.push(msg);
    if (typeof msg !== 'object' || msg === null) return;
    const { envelope_id: id, payload } = msg as { envelope_id?: unknown; payload?: unknown };
    if (typeof id !== 'string') return;
    const pending = this.pending.get(id);
    const record = pending?.record ?? this.envelopes.find((e) => e.envelope.envelope_id === id);
    if (!record || record.ack) return;
    const ackMs = performance.now() - record.sentAt;
    record.ack = { payload, ms: ackMs, late: !pending };
    this.events.emit('ack', record);
    pending?.settle(ackToReply(payload, ackMs));
  }
}

/** The ack's payload as Slack reads it: like the body of an HTTP answer with status 200. */
function ackToReply(payload: unknown, ackMs: number): Reply {
  const base = { status: 200, timedOut: false, ackMs };
  if (payload === undefined || payload === null) return { ...base, body: '', contentType: undefined };
  if (typeof payload === 'string') return { ...base, body: payload, contentType: 'text/plain' };
  if (typeof payload === 'object' && Object.keys(payload).length === 0)
    return { ...base, body: '', contentType: undefined };
  return { ...base, body: JSON.stringify(payload), contentType: 'application/json' };
}
