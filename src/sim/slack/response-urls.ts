import type { SimReply, SimRequest } from '../http-server.js';
import { randomHex } from './clock.js';
import type { SlackMessage } from './history.js';
import { messageContent } from './methods-chat.js';
import type { EmulatorState } from './state.js';
import { bool, str } from './state.js';
import { BOT_USER_ID } from './workspace.js';

/**
 * response_urls: minted per interaction as `${baseUrl}/response/<id>`, bound to its channel and
 * user (and, for a button click, to the clicked message). Slack's rules: at most 5 uses within 30
 * minutes. Answers, like Slack's hooks endpoint, are plain text: 200 `ok`; 404 `used_url` after
 * the 5th use; 404 `expired_url` after 30 minutes; 404 `no_service` for an unknown URL; 400
 * `invalid_payload` (not JSON), `no_text` (nothing to post), `invalid_blocks`.
 *
 * What a post does (Slack's documented semantics):
 * - `delete_original: true` deletes the source message; text/blocks given as well are posted anew.
 * - `replace_original: true` replaces the source message in place, keeping its visibility
 *   (an ephemeral message stays ephemeral). For a slash command, whose source is the user's own
 *   command, it replaces the last message the app posted through this URL or its ack.
 * - Otherwise a new message is posted: ephemeral to the user by default, or to the channel with
 *   `response_type: "in_channel"` (in a thread with `thread_ts`).
 * - For a click on a message button, a post that sets neither `replace_original` nor
 *   `response_type` replaces the clicked message (Slack's default for interactive messages).
 */
export interface ResponseUrlBinding {
  id: string;
  url: string;
  kind: 'command' | 'block_actions';
  channelId: string;
  userId: string;
  /** The message a button was clicked in. */
  sourceTs?: string | undefined;
  /** The last message posted through this URL or the command's ack. */
  lastTs?: string | undefined;
  createdAt: number;
  uses: number;
}

export interface ResponseUrlPost {
  id: string;
  at: number;
  body: unknown;
  status: number;
  /** `ok` or the error Slack answered. */
  result: string;
  channel: string;
  user: string;
  /** The message created, replaced or deleted, if any. */
  message?: SlackMessage | undefined;
}

type Outcome = { status: number; result: string; message?: SlackMessage | undefined };

function parsePostBody(req: SimRequest): Record<string, unknown> | undefined {
  const body = req.body;
  if (req.headers['content-type']?.includes('application/json')) {
    return body && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  }
  // Slack also takes the form encoding incoming webhooks use: payload=<json>
  const payload = (body as Record<string, unknown> | undefined)?.payload;
  if (typeof payload !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(payload);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class ResponseUrlStore {
  private readonly bindings = new Map<string, ResponseUrlBinding>();

  constructor(private readonly s: () => EmulatorState) {}

  mint(ctx: Pick<ResponseUrlBinding, 'kind' | 'channelId' | 'userId' | 'sourceTs'>): ResponseUrlBinding {
    const s = this.s();
    const id = `${s.config.teamId}/${randomHex(6)}/${randomHex(12)}`;
    const binding: ResponseUrlBinding = {
      ...ctx,
      id,
      url: `${s.baseUrl}/response/${id}`,
      createdAt: s.clock.now(),
      uses: 0,
    };
    this.bindings.set(id, binding);
    return binding;
  }

  get(id: string): ResponseUrlBinding | undefined {
    return this.bindings.get(id);
  }

  byUrl(url: string): ResponseUrlBinding | undefined {
    return [...this.bindings.values()].find((b) => b.url === url);
  }

  handle(req: SimRequest): SimReply {
    const s = this.s();
    const id = decodeURIComponent(req.path.replace(/^\/response\//, ''));
    const binding = this.bindings.get(id);
    const body = parsePostBody(req);
    const outcome = binding ? this.apply(binding, body) : { status: 404, result: 'no_service' };
    s.responseUrlPosts.push({
      id,
      at: s.clock.now(),
      body: body ?? req.rawBody,
      status: outcome.status,
      result: outcome.result,
      channel: binding?.channelId ?? '',
      user: binding?.userId ?? '',
      message: outcome.message,
    });
    s.events.emit('response_url', s.responseUrlPosts.at(-1));
    return { status: outcome.status, headers: { 'content-type': 'text/html' }, body: outcome.result };
  }

  private apply(b: ResponseUrlBinding, body: Record<string, unknown> | undefined): Outcome {
    const s = this.s();
    if (s.clock.now() - b.createdAt > s.config.responseUrlTtlMs)
      return { status: 404, result: 'expired_url' };
    if (b.uses >= s.config.responseUrlMaxUses) return { status: 404, result: 'used_url' };
    if (!body) return { status: 400, result: 'invalid_payload' };

    const deleteOriginal = bool(body.delete_original) === true;
    const replaceFlag = bool(body.replace_original);
    const hasContent = str(body.text) || (Array.isArray(body.blocks) && body.blocks.length > 0);
    if (!deleteOriginal && !hasContent) return { status: 400, result: 'no_text' };
    const content = hasContent ? messageContent({ text: body.text, blocks: body.blocks }) : undefined;
    if (content && 'ok' in content) return { status: 400, result: String(content.error) };

    const sourceTs = b.sourceTs ?? b.lastTs;
    const source = sourceTs ? s.history.find(b.channelId, sourceTs) : undefined;
    const liveSource = source && !source.deleted ? source : undefined;
    b.uses += 1;

    if (deleteOriginal) {
      if (liveSource) s.history.remove(liveSource);
      if (!content) return { status: 200, result: 'ok', message: liveSource };
    }
    const implicitReplace =
      b.kind === 'block_actions' && replaceFlag === undefined && body.response_type === undefined;
    if (content && !deleteOriginal && liveSource && (replaceFlag === true || implicitReplace)) {
      s.history.update(liveSource, { text: content.text, blocks: content.blocks });
      return { status: 200, result: 'ok', message: liveSource };
    }
    if (!content) return { status: 200, result: 'ok' };
    const inChannel = body.response_type === 'in_channel';
    const thread = str(body.thread_ts);
    const message = s.history.add({
      channel: b.channelId,
      text: content.text,
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(inChannel && thread ? { thread_ts: thread } : {}),
      user: BOT_USER_ID,
      ...(inChannel ? {} : { ephemeralTo: b.userId }),
      origin: 'response_url',
    });
    b.lastTs = message.ts;
    return { status: 200, result: 'ok', message };
  }
}
