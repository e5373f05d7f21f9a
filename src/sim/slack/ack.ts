import { checkView } from './block-limits.js';
import { messageContent } from './methods-chat.js';
import type { ResponseUrlBinding } from './response-urls.js';
import type { EmulatorState } from './state.js';
import type { EmulatedView } from './views.js';
import { BOT_USER_ID } from './workspace.js';

/**
 * What Slack does with the app's HTTP answer to an interaction (its "ack"):
 * - slash command: a text body is an ephemeral reply to the user; a JSON body is a message
 *   (`response_type` ephemeral by default; `in_channel` also shows the user's command in the
 *   channel). No answer in time → `/cmd failed with the error "operation_timeout"`; no connection
 *   → "dispatch_failed"; a non-200 → "http_service_error" (shown to the user only).
 * - view_submission: empty → the modal closes; `response_action` errors / update / push / clear
 *   are applied; anything else, or no answer in time, leaves the modal open with an error line.
 * - block_actions: the body is ignored.
 */
export interface AckReply {
  status: number;
  body: string;
  contentType: string | undefined;
  timedOut: boolean;
  connectionError?: string | undefined;
}

/** Slack's line in a modal whose submission failed. */
export const MODAL_TROUBLE = 'We had some trouble connecting. Try again?';

function slackNotice(s: EmulatorState, b: ResponseUrlBinding, command: string, error: string): void {
  s.history.add({
    channel: b.channelId,
    text: `${command} failed with the error "${error}"`,
    ephemeralTo: b.userId,
    fromBot: false,
    origin: 'slack',
  });
}

function parseJson(reply: AckReply): unknown {
  if (!reply.contentType?.includes('application/json')) return undefined;
  try {
    return JSON.parse(reply.body);
  } catch {
    return undefined;
  }
}

export function applyCommandAck(
  s: EmulatorState,
  reply: AckReply,
  ctx: { binding: ResponseUrlBinding; command: string; text: string },
): void {
  const { binding: b, command } = ctx;
  if (reply.timedOut) return slackNotice(s, b, command, 'operation_timeout');
  if (reply.connectionError) return slackNotice(s, b, command, 'dispatch_failed');
  if (reply.status !== 200) return slackNotice(s, b, command, 'http_service_error');
  if (reply.body.trim() === '') return;
  const json = parseJson(reply);
  const body =
    json && typeof json === 'object'
      ? (json as Record<string, unknown>)
      : { text: reply.body, response_type: 'ephemeral' };
  const inChannel = body.response_type === 'in_channel';
  if (inChannel) {
    s.history.add({
      channel: b.channelId,
      text: `${command} ${ctx.text}`.trim(),
      user: b.userId,
      origin: 'user',
    });
  }
  const hasContent = typeof body.text === 'string' || Array.isArray(body.blocks);
  if (!hasContent) return;
  const content = messageContent({ text: body.text, blocks: body.blocks });
  if ('ok' in content) return slackNotice(s, b, command, String(content.error));
  const msg = s.history.add({
    channel: b.channelId,
    text: content.text,
    ...(content.blocks ? { blocks: content.blocks } : {}),
    user: BOT_USER_ID,
    ...(inChannel ? {} : { ephemeralTo: b.userId }),
    origin: 'ack',
  });
  b.lastTs = msg.ts;
}

export function applyViewSubmissionAck(s: EmulatorState, reply: AckReply, view: EmulatedView): void {
  if (reply.timedOut || reply.connectionError || reply.status !== 200) {
    return s.views.setErrors(view, undefined, MODAL_TROUBLE);
  }
  if (reply.body.trim() === '') return s.views.close(view);
  const json = parseJson(reply);
  const body = json && typeof json === 'object' ? (json as Record<string, unknown>) : undefined;
  switch (body?.response_action) {
    case 'errors':
      return applyErrors(s, view, body.errors);
    case 'update':
    case 'push': {
      const problems = checkView(body.view);
      if (problems.length > 0)
        return s.views.setErrors(view, undefined, `${MODAL_TROUBLE} (${problems.join('; ')})`);
      const payload = body.view as Record<string, unknown>;
      if (body.response_action === 'update') {
        s.views.update(view, payload);
        return;
      }
      const pushed = s.views.push(view, payload);
      if (pushed === 'push_limit_reached')
        s.views.setErrors(view, undefined, `${MODAL_TROUBLE} (push_limit_reached)`);
      return;
    }
    case 'clear':
      return s.views.clear(view);
    default:
      return s.views.setErrors(view, undefined, MODAL_TROUBLE);
  }
}

/** Errors must name input blocks of the view; Slack shows a generic error otherwise. */
function applyErrors(s: EmulatorState, view: EmulatedView, errors: unknown): void {
  const blocks = Array.isArray(view.payload.blocks)
    ? (view.payload.blocks as Array<Record<string, unknown>>)
    : [];
  const inputIds = new Set(blocks.filter((b) => b.type === 'input').map((b) => b.block_id));
  const entries =
    errors && typeof errors === 'object' ? Object.entries(errors as Record<string, unknown>) : [];
  const unknown = entries
    .filter(([id, msg]) => !inputIds.has(id) || typeof msg !== 'string')
    .map(([id]) => id);
  if (entries.length === 0 || unknown.length > 0) {
    const why = unknown.length > 0 ? ` (no input block: ${unknown.join(', ')})` : ' (empty errors)';
    return s.views.setErrors(view, undefined, MODAL_TROUBLE + why);
  }
  s.views.setErrors(view, Object.fromEntries(entries) as Record<string, string>);
}
