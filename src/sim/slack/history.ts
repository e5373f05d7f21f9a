import type { EventEmitter } from 'node:events';
import { withBlockIds } from './block-ids.js';
import type { TsMinter } from './clock.js';
import { APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID } from './workspace.js';

/** How a message got into the channel, for assertions and for the sandbox's rendering. */
export type MessageOrigin =
  | 'api' // chat.postMessage / chat.postEphemeral
  | 'response_url'
  | 'ack' // the body of the bot's HTTP acknowledgement to a slash command
  | 'user' // the user's own slash command, echoed when the ack is in_channel
  | 'slack'; // Slack's own notices, e.g. `/cloudknox failed with the error "operation_timeout"`

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  /** Author: the bot user for bot messages, a human for echoed commands, undefined for Slack notices. */
  user?: string;
  fromBot: boolean;
  thread_ts?: string;
  /** Set for ephemeral messages: only this user sees them. */
  ephemeralTo?: string;
  origin: MessageOrigin;
  edited?: { ts: string };
  deleted: boolean;
  /** Every state the message went through, oldest first (text and blocks only). */
  revisions: Array<{ text: string; blocks?: unknown[] }>;
}

export type MessageEvent = { kind: 'posted' | 'updated' | 'deleted'; message: SlackMessage };

/** Channel histories, kept as current state: updates replace in place, deletions are flagged. */
export class MessageStore {
  private readonly byChannel = new Map<string, SlackMessage[]>();

  constructor(
    private readonly ts: TsMinter,
    private readonly events: EventEmitter,
  ) {}

  add(
    msg: Omit<SlackMessage, 'ts' | 'deleted' | 'revisions' | 'fromBot'> & { fromBot?: boolean },
  ): SlackMessage {
    const full: SlackMessage = {
      ...msg,
      ...(msg.blocks ? { blocks: withBlockIds(msg.blocks) } : {}),
      fromBot: msg.fromBot ?? msg.user === BOT_USER_ID,
      ts: this.ts.next(),
      deleted: false,
      revisions: [],
    };
    full.revisions.push({ text: full.text, ...(full.blocks ? { blocks: full.blocks } : {}) });
    const list = this.byChannel.get(full.channel) ?? [];
    list.push(full);
    this.byChannel.set(full.channel, list);
    this.events.emit('message', { kind: 'posted', message: full } satisfies MessageEvent);
    return full;
  }

  find(channel: string, ts: string): SlackMessage | undefined {
    return this.byChannel.get(channel)?.find((m) => m.ts === ts);
  }

  update(message: SlackMessage, patch: { text?: string; blocks?: unknown[] | undefined }): SlackMessage {
    if (patch.text !== undefined) message.text = patch.text;
    if ('blocks' in patch) {
      if (patch.blocks) message.blocks = withBlockIds(patch.blocks);
      else delete message.blocks;
    }
    message.edited = { ts: this.ts.next() };
    message.revisions.push({ text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
    this.events.emit('message', { kind: 'updated', message } satisfies MessageEvent);
    return message;
  }

  remove(message: SlackMessage): void {
    message.deleted = true;
    this.events.emit('message', { kind: 'deleted', message } satisfies MessageEvent);
  }

  /**
   * Current state of a channel, oldest first. Deleted messages are left out unless asked for;
   * `visibleTo` keeps only what that user would see (everyone's messages plus their ephemerals).
   */
  list(channel: string, opts: { includeDeleted?: boolean; visibleTo?: string } = {}): SlackMessage[] {
    return (this.byChannel.get(channel) ?? []).filter(
      (m) =>
        (opts.includeDeleted || !m.deleted) &&
        (opts.visibleTo === undefined || m.ephemeralTo === undefined || m.ephemeralTo === opts.visibleTo),
    );
  }

  all(): SlackMessage[] {
    return [...this.byChannel.values()].flat();
  }
}

/** The message object Slack puts in API answers and in block_actions payloads. */
export function toApiMessage(m: SlackMessage, teamId: string = TEAM_ID): Record<string, unknown> {
  const base: Record<string, unknown> = { type: 'message', text: m.text, ts: m.ts };
  if (m.fromBot) {
    Object.assign(base, {
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      app_id: APP_ID,
      team: teamId,
    });
  } else if (m.user) {
    Object.assign(base, { user: m.user, team: teamId });
  }
  if (m.blocks) base.blocks = m.blocks;
  if (m.thread_ts) base.thread_ts = m.thread_ts;
  if (m.edited) base.edited = { user: BOT_USER_ID, ts: m.edited.ts };
  return base;
}
