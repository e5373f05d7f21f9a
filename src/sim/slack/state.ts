import type { EventEmitter } from 'node:events';
import type { Clock, TsMinter } from './clock.js';
import type { MessageStore } from './history.js';
import type { ApiCall, FailQueue } from './recorder.js';
import type { ResponseUrlPost, ResponseUrlStore } from './response-urls.js';
import type { TriggerStore } from './triggers.js';
import type { ViewStore } from './views.js';
import type { Workspace } from './workspace.js';

export interface EmulatorConfig {
  signingSecret: string;
  botToken: string;
  /** The deprecated `token` field Slack still sends in payloads. */
  verificationToken: string;
  teamId: string;
  teamDomain: string;
  ackTimeoutMs: number;
  triggerTtlMs: number;
  responseUrlMaxUses: number;
  responseUrlTtlMs: number;
}

/** Everything the emulator's parts share; one per emulator. */
export interface EmulatorState {
  config: EmulatorConfig;
  /** `http://127.0.0.1:<port>`, set once the server listens. */
  baseUrl: string;
  clock: Clock;
  ts: TsMinter;
  workspace: Workspace;
  history: MessageStore;
  views: ViewStore;
  triggers: TriggerStore;
  responseUrls: ResponseUrlStore;
  events: EventEmitter;
  calls: ApiCall[];
  responseUrlPosts: ResponseUrlPost[];
  fails: FailQueue;
}

export type Args = Record<string, unknown>;
export type ApiResult = { ok: boolean } & Record<string, unknown>;

export function fail(error: string, extra: Record<string, unknown> = {}): ApiResult {
  return { ok: false, error, ...extra };
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** Slack accepts booleans as JSON booleans or as the strings "true"/"1". */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  return undefined;
}
