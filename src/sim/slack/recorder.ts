import type { EventEmitter } from 'node:events';

/** One Web API call as the emulator received and answered it. */
export interface ApiCall {
  method: string;
  /** Arguments, parsed: JSON-valued fields (`blocks`, `view`, ...) are objects, the token is removed. */
  args: Record<string, unknown>;
  /** The token the caller presented (Authorization header or `token` field), if any. */
  token: string | undefined;
  /** Emulator clock, ms. */
  at: number;
  /** The answer sent back. */
  response: Record<string, unknown>;
  /** HTTP status of the answer (200, or 429 when rate limited). */
  status: number;
}

/**
 * Waits for the first item, already recorded or still to come, that matches `predicate`. Rejects
 * after `timeoutMs` with a message listing what was seen, so a failing test says why.
 */
export function waitForEvent<T>(opts: {
  events: EventEmitter;
  event: string;
  past: () => readonly T[];
  predicate: (item: T) => boolean;
  timeoutMs: number;
  describe: (item: T) => string;
  what: string;
}): Promise<T> {
  const found = opts.past().find(opts.predicate);
  if (found !== undefined) return Promise.resolve(found);
  return new Promise<T>((resolve, reject) => {
    const onEvent = (item: T): void => {
      if (!opts.predicate(item)) return;
      cleanup();
      resolve(item);
    };
    const timer = setTimeout(() => {
      cleanup();
      const seen = opts.past().slice(-15).map(opts.describe).join('\n  ');
      reject(
        new Error(
          `Timed out after ${opts.timeoutMs} ms waiting for ${opts.what}. Last seen:\n  ${seen || '(nothing)'}`,
        ),
      );
    }, opts.timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      opts.events.off(opts.event, onEvent);
    };
    opts.events.on(opts.event, onEvent);
  });
}

export function describeCall(c: ApiCall): string {
  const outcome = c.response.ok === true ? 'ok' : `error=${String(c.response.error)}`;
  const channel = typeof c.args.channel === 'string' ? ` channel=${c.args.channel}` : '';
  return `${c.method}${channel} → ${outcome}`;
}

/** Queued one-shot failures: `failNext('chat.postMessage', 'ratelimited', { retryAfter: 2 })`. */
export interface FailRule {
  method: string;
  error: string;
  retryAfter?: number | undefined;
  times: number;
  /** Extra fields merged into the error answer (e.g. `needed` for missing_scope). */
  extra?: Record<string, unknown> | undefined;
}

export class FailQueue {
  private readonly rules: FailRule[] = [];

  add(rule: FailRule): void {
    this.rules.push(rule);
  }

  /** Takes the first rule for this method (or `*`), if any. */
  take(method: string): FailRule | undefined {
    const i = this.rules.findIndex((r) => r.method === method || r.method === '*');
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    rule.times -= 1;
    if (rule.times <= 0) this.rules.splice(i, 1);
    return rule;
  }

  clear(): void {
    this.rules.length = 0;
  }
}
