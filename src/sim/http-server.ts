import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyFaults, type FaultSwitches } from './faults.js';

/**
 * A tiny router over node:http shared by the simulators, so each simulator file holds only the
 * behaviour of the service it imitates. Handlers get the parsed request and return a reply.
 */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: string;
  /** JSON body if the content type is JSON, form fields if it is urlencoded, otherwise undefined. */
  body: unknown;
  params: Record<string, string>;
}

export interface SimReply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as given (set content-type in headers). */
  body?: unknown;
}

export type SimHandler = (req: SimRequest) => SimReply | Promise<SimReply>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: SimHandler;
}

export class SimRouter {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: SimHandler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/\/:([A-Za-z_]+)/g, (_m, key: string) => {
          keys.push(key);
          return '/([^/]+)';
        }) +
        '/?$',
    );
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  match(method: string, path: string): { handler: SimHandler; params: Record<string, string> } | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return { handler: r.handler, params };
    }
    return undefined;
  }
}

/**
 * Requests in flight across every simulator in this process, and when the last one ended. The
 * sandbox waits for "quiet" (nothing in flight for a moment) before it prints what Slack shows.
 */
export const simActivity = { inFlight: 0, lastActivityAt: 0 };

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(contentType: string | undefined, raw: string): unknown {
  if (!raw) return undefined;
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  return undefined;
}

export function sendReply(res: ServerResponse, reply: SimReply): void {
  const headers = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body === undefined) payload = undefined;
  else if (typeof reply.body === 'string') payload = reply.body;
  else {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json;charset=UTF-8';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Starts a router on 127.0.0.1 (port 0 = a free port), with the given fault switches applied first. */
export async function startSimServer(opts: {
  router: SimRouter;
  port?: number | undefined;
  faults?: FaultSwitches;
  notFound?: (req: SimRequest) => SimReply;
}): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    simActivity.inFlight += 1;
    simActivity.lastActivityAt = Date.now();
    res.once('close', () => {
      simActivity.inFlight -= 1;
      simActivity.lastActivityAt = Date.now();
    });
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const rawBody = await readBody(req);
      const simReq: SimRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        body: parseBody(req.headers['content-type'], rawBody),
        params: {},
      };
      if (opts.faults && (await applyFaults(opts.faults, simReq, res))) return;
      const found = opts.router.match(simReq.method, simReq.path);
      if (!found) {
        sendReply(res, opts.notFound?.(simReq) ?? { status: 404, body: { error: 'not_found' } });
        return;
      }
      simReq.params = found.params;
      try {
        sendReply(res, await found.handler(simReq));
      } catch (err) {
        sendReply(res, { status: 500, body: { error: 'simulator_error', message: String(err) } });
      }
    })();
  });
  // Idle connections stay open for 30 s, as the real services' front ends keep them for tens of
  // seconds. The 1 s used before made undici (the bot's fetch, for response_url posts), which
  // stops reusing a connection 2 s before the server's stated keep-alive timeout, open a new
  // connection for every request. close() still ends at once: it closes every connection.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
