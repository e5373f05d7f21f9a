import { checkMessageBlocks } from './block-limits.js';
import { toApiMessage } from './history.js';
import type { ApiResult, Args, EmulatorState } from './state.js';
import { fail, str } from './state.js';
import { BOT_USER_ID } from './workspace.js';
import type { SlackChannel } from './workspace.js';

export type MethodHandler = (s: EmulatorState, args: Args) => ApiResult;

/** Slack truncates nothing: a message text over 40,000 characters is refused. */
const MAX_TEXT = 40_000;

/**
 * Checks the text/blocks of a message the way chat.* do. Returns the error answer, or the
 * normalised content.
 */
export function messageContent(args: Args): ApiResult | { text: string; blocks: unknown[] | undefined } {
  const text = str(args.text) ?? '';
  const rawBlocks = args.blocks;
  if (typeof rawBlocks === 'string' && rawBlocks !== '') return fail('invalid_blocks_format');
  const blocks = rawBlocks === undefined || rawBlocks === '' ? undefined : rawBlocks;
  if (blocks !== undefined) {
    const errors = checkMessageBlocks(blocks);
    if (errors.length > 0) {
      return fail('invalid_blocks', {
        errors,
        response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
      });
    }
  }
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if (!text && !hasBlocks && args.attachments === undefined) return fail('no_text');
  if (text.length > MAX_TEXT) return fail('msg_too_long');
  return { text, blocks: blocks as unknown[] | undefined };
}

function isError(v: unknown): v is ApiResult {
  return typeof v === 'object' && v !== null && 'ok' in v;
}

/** The conversation the bot may post in, or the error Slack gives. */
function postableChannel(s: EmulatorState, ref: unknown): SlackChannel | ApiResult {
  const channel = typeof ref === 'string' ? s.workspace.resolveChannel(ref) : undefined;
  if (!channel) return fail('channel_not_found');
  const member = channel.members.has(BOT_USER_ID);
  // A private channel the bot is not in is invisible to it.
  if (channel.isPrivate && !member) return fail('channel_not_found');
  if (channel.isArchived) return fail('is_archived');
  if (!member) return fail('not_in_channel');
  return channel;
}

function botMessage(
  s: EmulatorState,
  args: Args,
  ref: string,
): ReturnType<EmulatorState['history']['find']> | ApiResult {
  const channel = typeof args.channel === 'string' ? s.workspace.resolveChannel(args.channel) : undefined;
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const msg = ts ? s.history.find(channel.id, ts) : undefined;
  if (!msg || msg.deleted || msg.ephemeralTo !== undefined) return fail('message_not_found');
  if (!msg.fromBot) return fail(ref === 'update' ? 'cant_update_message' : 'cant_delete_message');
  return msg;
}

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': (s, args) => {
    const channel = postableChannel(s, args.channel);
    if (isError(channel)) return channel;
    const content = messageContent(args);
    if (isError(content)) return content;
    const thread = str(args.thread_ts);
    const msg = s.history.add({
      channel: channel.id,
      text: content.text,
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(thread ? { thread_ts: thread } : {}),
      user: BOT_USER_ID,
      origin: 'api',
    });
    return { ok: true, channel: channel.id, ts: msg.ts, message: toApiMessage(msg, s.config.teamId) };
  },

  'chat.postEphemeral': (s, args) => {
    const channel = postableChannel(s, args.channel);
    if (isError(channel)) return channel;
    const user = str(args.user);
    if (!user || !s.workspace.users.has(user)) return fail('user_not_found');
    if (!channel.members.has(user)) return fail('user_not_in_channel');
    const content = messageContent(args);
    if (isError(content)) return content;
    const msg = s.history.add({
      channel: channel.id,
      text: content.text,
      ...(content.blocks ? { blocks: content.blocks } : {}),
      user: BOT_USER_ID,
      ephemeralTo: user,
      origin: 'api',
    });
    return { ok: true, message_ts: msg.ts };
  },

  'chat.update': (s, args) => {
    const msg = botMessage(s, args, 'update');
    if (isError(msg) || !msg) return msg ?? fail('message_not_found');
    const content = messageContent({ text: args.text ?? msg.text, blocks: args.blocks ?? msg.blocks });
    if (isError(content)) return content;
    s.history.update(msg, {
      text: content.text,
      blocks: args.blocks === undefined ? msg.blocks : content.blocks,
    });
    return {
      ok: true,
      channel: msg.channel,
      ts: msg.ts,
      text: msg.text,
      message: toApiMessage(msg, s.config.teamId),
    };
  },

  'chat.delete': (s, args) => {
    const msg = botMessage(s, args, 'delete');
    if (isError(msg) || !msg) return msg ?? fail('message_not_found');
    s.history.remove(msg);
    return { ok: true, channel: msg.channel, ts: msg.ts };
  },
};
