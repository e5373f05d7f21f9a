import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HTTPModuleFunctions, type HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../logging/logger.js';
import { checkSlackSignature, signatureHeadersProblem } from './slack-signature.js';
import { TurnQueue } from './turn-queue.js';

/**
 * Fix (issue 6, hardening): checks Bolt's HTTPReceiver lacks, run on every POST to the events
 * endpoint before Bolt sees it. Each closes a gap the hardening tests found
 * (test/hardening/slack-requests.test.ts):
 *
 * - Bodies over 1 MB are refused with 413 before a byte is read, and the connection is closed (its
 *   unread rest would stall it). Slack's own requests are far smaller.
 * - Signatures are checked here, once (slack-signature.ts), and timestamps more than 5 minutes
 *   ahead are refused too: Bolt refuses only old ones, which would keep a captured request
 *   replayable for as long as its timestamp lies in the future.
 * - Bolt parses a form body only when Content-Type is exactly `application/x-www-form-urlencoded`;
 *   with `; charset=utf-8` it tries JSON and answers 400. The signature covers the body, not this
 *   header, so normalising the header weakens nothing.
 * - A correctly signed body whose payload is JSON but not an object (`payload=null`) made Bolt
 *   throw outside any handler: an unhandled rejection, which ends a Node process. Such bodies are
 *   answered 400 here. A signed object Bolt cannot route (no command, actions or known type) would
 *   wait 3 s for an ack that never comes and get a 404; it is acked and logged instead, as
 *   known-ids.ts does for unknown action and view ids.
 *
 * Requests start from a queue, a few per event-loop turn (turn-queue.ts), so that a burst cannot
 * keep new connections waiting past Slack's 3 s (`npm run bench`, BENCHMARKS.md).
 *
 * Anything not correctly signed is refused here with 401 (Bolt's own verification is off: this gate
 * is the one place requests are authenticated, so it runs on every POST to the endpoint).
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Slack requests started per event-loop turn (turn-queue.ts). */
const REQUESTS_PER_TURN = 4;
/** Requests waiting for a turn beyond which new ones are refused with 503 (about a second's work). */
const MAX_WAITING = 1000;
const FORM = /^application\/x-www-form-urlencoded\s*;/i;
/** Body types Bolt's router (getTypeAndConversation) or receiver recognises without other fields. */
const ROUTABLE_TYPES = new Set([
  'block_suggestion',
  'dialog_submission',
  'shortcut',
  'message_action',
  'view_submission',
  'view_closed',
  'url_verification',
]);

export interface GateOptions {
  /** The events endpoint path, e.g. `/slack/events`. */
  endpoint: string;
  signingSecret: string;
  logger: Logger;
}

export function gateRequests(receiver: HTTPReceiver, opts: GateOptions): void {
  const boltListener = receiver.requestListener;
  const turns = new TurnQueue(REQUESTS_PER_TURN, (err) =>
    opts.logger.error(
      { event: 'request_failed', error: (err as Error).message },
      'a request could not start',
    ),
  );
  // Connections with a request waiting or being answered. Slack sends one request per connection at
  // a time; a request pipelined behind one not yet answered is not Slack's, and taking a queue place
  // for each would let one connection full of unsigned requests delay everyone's acks.
  const busy = new WeakSet<Socket>();
  receiver.requestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || path !== opts.endpoint) return boltListener(req, res);
    if (busy.has(req.socket)) {
      // Requests already read from the closed connection arrive here too: one log line per connection.
      if (!req.socket.destroyed) {
        opts.logger.warn({ event: 'request_refused', reason: 'pipelined' }, 'closed a pipelining connection');
        req.socket.destroy();
      }
      return;
    }
    busy.add(req.socket);
    res.once('close', () => busy.delete(req.socket));
    // What the headers alone can refuse is refused before it waits for a turn.
    const early = headerRefusal(req);
    if (early) return void refuse(res, opts.logger, early.status, early.reason);
    if (turns.waiting >= MAX_WAITING)
      return void refuse(res, opts.logger, 503, 'busy', { 'retry-after': '1' });
    turns.run(() => {
      if (req.destroyed) return false; // the client gave up while it waited: nothing to answer
      admit(req, res, opts, boltListener);
      return true;
    });
  };
}

function headerRefusal(req: IncomingMessage): { status: number; reason: string } | undefined {
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES)
    return { status: 413, reason: 'body_too_large' };
  const problem = signatureHeadersProblem({
    timestamp: req.headers['x-slack-request-timestamp'],
    signature: req.headers['x-slack-signature'],
  });
  return problem ? { status: 401, reason: problem } : undefined;
}

/** Answers a refused request at once and closes its connection (its unread body would stall it). */
function refuse(
  res: ServerResponse,
  logger: Logger,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): false {
  logger.warn({ event: 'request_refused', reason }, 'refused a request to the Slack endpoint');
  if (!res.headersSent) res.writeHead(status, { ...headers, connection: 'close' }).end();
  return false;
}

function admit(
  req: IncomingMessage,
  res: ServerResponse,
  opts: GateOptions,
  boltListener: HTTPReceiver['requestListener'],
): void {
  gate(req, res, opts).then(
    (pass) => {
      if (pass) boltListener(req, res);
    },
    (err: unknown) => {
      opts.logger.warn(
        { event: 'request_refused', reason: 'unreadable', error: (err as Error).message },
        'could not read a request',
      );
      if (!res.headersSent) res.writeHead(400, { connection: 'close' }).end();
    },
  );
}

/** Resolves true when Bolt should handle the request; otherwise it has been answered here. */
async function gate(req: IncomingMessage, res: ServerResponse, opts: GateOptions): Promise<boolean> {
  const { logger } = opts;
  const type = req.headers['content-type'];
  if (typeof type === 'string' && FORM.test(type))
    req.headers['content-type'] = 'application/x-www-form-urlencoded';

  // Bolt reuses a body buffered here (isBufferedIncomingMessage).
  let buffered;
  try {
    buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, MAX_BODY_BYTES);
  } catch (err) {
    if (HTTPModuleFunctions.isRawBodyError(err) && err.statusCode === 413)
      return refuse(res, logger, 413, 'body_too_large');
    throw err;
  }
  // The signature covers the body, and a refused request is answered with the connection closed.
  const signed = checkSlackSignature({
    signingSecret: opts.signingSecret,
    timestamp: req.headers['x-slack-request-timestamp'],
    signature: req.headers['x-slack-signature'],
    rawBody: buffered.rawBody,
  });
  if (!signed.ok) return refuse(res, logger, 401, signed.reason);

  let body: unknown;
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
  } catch {
    return refuse(res, logger, 400, 'malformed_body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse(res, logger, 400, 'malformed_body');
  const b = body as Record<string, unknown>;
  const routable =
    b.ssl_check !== undefined ||
    b.event !== undefined ||
    b.command !== undefined ||
    b.name !== undefined ||
    b.actions !== undefined ||
    (typeof b.type === 'string' && ROUTABLE_TYPES.has(b.type));
  if (routable) return true;
  logger.warn(
    { event: 'unknown_interaction', what: `payload of type ${String(b.type ?? 'none').slice(0, 60)}` },
    'acked a signed request the bot cannot route',
  );
  res.writeHead(200).end();
  return false;
}
