import type { Clock } from './clock.js';
import { randomDigits, randomHex } from './clock.js';

/**
 * trigger_ids as Slack hands them out with each interaction: valid for 3 seconds, usable once.
 * views.open / views.push with an unknown one get `invalid_trigger_id`, with a used one
 * `exchanged_trigger_id`, with an old one `expired_trigger_id` (Slack's names for views.*).
 */
export interface Trigger {
  id: string;
  userId: string;
  channelId?: string | undefined;
  /** Set when the interaction happened inside a modal (views.push stacks onto it). */
  viewId?: string | undefined;
  createdAt: number;
  usedAt?: number;
}

export type TriggerError = 'invalid_trigger_id' | 'exchanged_trigger_id' | 'expired_trigger_id';

export class TriggerStore {
  private readonly triggers = new Map<string, Trigger>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: () => number,
  ) {}

  mint(ctx: { userId: string; channelId?: string | undefined; viewId?: string | undefined }): string {
    const id = `${randomDigits(13)}.${randomDigits(10)}.${randomHex(16)}`;
    this.triggers.set(id, { id, ...ctx, createdAt: this.clock.now() });
    return id;
  }

  get(id: string): Trigger | undefined {
    return this.triggers.get(id);
  }

  /** Uses the trigger up, or says why it cannot be used. */
  consume(id: unknown): { trigger: Trigger } | { error: TriggerError } {
    const trigger = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!trigger) return { error: 'invalid_trigger_id' };
    if (trigger.usedAt !== undefined) return { error: 'exchanged_trigger_id' };
    if (this.clock.now() - trigger.createdAt > this.ttlMs()) return { error: 'expired_trigger_id' };
    trigger.usedAt = this.clock.now();
    return { trigger };
  }
}
