import { performance } from 'node:perf_hooks';
import type { AckReply } from './ack.js';
import { applyCommandAck, applyViewSubmissionAck } from './ack.js';
import { encodeCommandText } from './escape.js';
import {
  blockActionsFromMessage,
  blockActionsFromView,
  findElement,
  shapeViewValues,
  slashCommandForm,
  viewSubmissionPayload,
} from './payloads.js';
import { slackSignature } from './signing.js';
import type { EnvelopeType, SocketModeServer } from './socket-mode-server.js';
import type { EmulatorState } from './state.js';
import type { EmulatedView } from './views.js';
import type { SlackChannel, SlackUser } from './workspace.js';

/**
 * The client side of Slack: builds the requests Slack sends to the app, signs them, POSTs them to
 * the app's request URL and gives up after `ackTimeoutMs` (3 s) as Slack does. The app's answer is
 * then applied as Slack would apply it (see ack.ts).
 */
export interface DriverResult {
  /**
   * HTTP status of the app's answer; 0 when it timed out or could not be reached. Over Socket Mode
   * an ack in time counts as 200 and `body`/`json` hold the ack's payload.
   */
  status: number;
  body: string;
  json?: unknown;
  /** Time from sending to the complete answer, ms. */
  ackMs: number;
  timedOut: boolean;
  /** Set when the connection failed (refused, reset). */
  error?: string;
}

export interface SignedPostOptions {
  contentType?: string;
  /** Unix seconds for X-Slack-Request-Timestamp; default now. */
  timestamp?: number;
  /** Secret to sign with; default the emulator's signing secret. */
  secret?: string;
  /** Send neither X-Slack-Request-Timestamp nor X-Slack-Signature. */
  omitHeaders?: boolean;
  /** Send this X-Slack-Signature instead of the computed one. */
  signature?: string;
  /** Post here instead of the emulator's appUrl. */
  url?: string;
}

export interface SlashCommandOptions {
  userId: string;
  channelId: string;
  /** What the user typed after the command; escaped as Slack does (escape.ts). */
  text?: string;
  /** Sent verbatim as `text`, bypassing the escaping. */
  rawText?: string;
  command?: string;
}

export interface BlockActionOptions {
  userId: string;
  /** For a click in a message: its channel and ts. */
  channelId?: string;
  messageTs?: string;
  /** For a click in a modal. */
  viewId?: string;
  actionId: string;
  blockId?: string;
  /** Defaults to the element's own value; give one to send something else (a forged click). */
  value?: string;
  /** Reuse a trigger_id instead of minting one. */
  triggerId?: string;
}

export interface ViewSubmissionOptions {
  userId: string;
  viewId: string;
  /** {block_id: "typed value"} or {block_id: {action_id: value | state object}}. */
  values?: Record<string, string | Record<string, unknown>>;
}

export type SlashCommandResult = DriverResult & { triggerId: string; responseUrl: string; text: string };
export type BlockActionResult = DriverResult & {
  triggerId: string;
  responseUrl?: string | undefined;
  payload: Record<string, unknown>;
};
export type ViewSubmissionResult = DriverResult & {
  triggerId: string;
  payload: Record<string, unknown>;
  view: EmulatedView;
};

/** How interactions reach the app: POSTs to its request URL, or envelopes over Socket Mode. */
export type DriverTransport = 'http' | 'socket';

export class SlackDriver {
  /**
   * Slack sends to the request URL, or over the app's Socket Mode connections once Socket Mode is
   * on ('socket'). `signedPost` is always HTTP.
   */
  transport: DriverTransport = 'http';

  constructor(
    private readonly s: EmulatorState,
    private readonly appUrl: () => string | undefined,
    private readonly socket?: SocketModeServer,
  ) {}

  /** Signs and POSTs a raw body exactly as given; the tool for signature and timestamp tests. */
  async signedPost(rawBody: string, opts: SignedPostOptions = {}): Promise<DriverResult> {
    const reply = await this.post(rawBody, opts);
    return toResult(reply);
  }

  async slashCommand(opts: SlashCommandOptions): Promise<SlashCommandResult> {
    const user = this.user(opts.userId);
    const channel = this.channel(opts.channelId);
    const command = opts.command ?? '/cloudknox';
    const text = opts.rawText ?? encodeCommandText(opts.text ?? '', this.s.workspace);
    const binding = this.s.responseUrls.mint({ kind: 'command', channelId: channel.id, userId: user.id });
    const triggerId = this.s.triggers.mint({ userId: user.id, channelId: channel.id });
    const form = slashCommandForm(this.s, {
      user,
      channel,
      command,
      text,
      responseUrl: binding.url,
      triggerId,
    });
    const reply = await this.send('slash_commands', form, Object.fromEntries(new URLSearchParams(form)));
    applyCommandAck(this.s, reply, { binding, command, text: opts.rawText ?? opts.text ?? '' });
    return { ...toResult(reply), triggerId, responseUrl: binding.url, text };
  }

  async blockAction(opts: BlockActionOptions): Promise<BlockActionResult> {
    const user = this.user(opts.userId);
    const triggerId =
      opts.triggerId ??
      this.s.triggers.mint({ userId: user.id, channelId: opts.channelId, viewId: opts.viewId });
    const actionTs = this.s.ts.next();
    let payload: Record<string, unknown>;
    let responseUrl: string | undefined;
    if (opts.viewId) {
      const view = this.openView(opts.viewId, user.id);
      const found = findElement(view.payload.blocks, opts.actionId, opts.blockId);
      if (!found) throw new Error(`view ${view.id} shows no element with action_id "${opts.actionId}"`);
      const value = opts.value ?? stringOrUndefined(found.element.value);
      payload = blockActionsFromView(this.s, { user, view, ...found, value, triggerId, actionTs });
    } else {
      if (!opts.channelId || !opts.messageTs)
        throw new Error('blockAction needs channelId + messageTs, or viewId');
      const channel = this.channel(opts.channelId);
      const message = this.s.history.find(channel.id, opts.messageTs);
      if (!message || message.deleted) throw new Error(`no message ${opts.messageTs} in ${channel.id}`);
      if (message.ephemeralTo !== undefined && message.ephemeralTo !== user.id) {
        throw new Error(
          `message ${message.ts} is ephemeral to ${message.ephemeralTo}; ${user.id} cannot see it`,
        );
      }
      const found = findElement(message.blocks, opts.actionId, opts.blockId);
      if (!found) throw new Error(`message ${message.ts} shows no element with action_id "${opts.actionId}"`);
      const binding = this.s.responseUrls.mint({
        kind: 'block_actions',
        channelId: channel.id,
        userId: user.id,
        sourceTs: message.ts,
      });
      responseUrl = binding.url;
      const value = opts.value ?? stringOrUndefined(found.element.value);
      payload = blockActionsFromMessage(this.s, {
        user,
        channel,
        message,
        ...found,
        value,
        triggerId,
        responseUrl,
        actionTs,
      });
    }
    const reply = await this.send('interactive', interactionForm(payload), payload);
    return { ...toResult(reply), triggerId, responseUrl, payload };
  }

  async viewSubmission(opts: ViewSubmissionOptions): Promise<ViewSubmissionResult> {
    const user = this.user(opts.userId);
    const view = this.openView(opts.viewId, user.id);
    if (this.s.views.stackOf(view.id).at(-1) !== view.id)
      throw new Error(`view ${view.id} is covered by a pushed view`);
    view.values = shapeViewValues(view, opts.values ?? {});
    const triggerId = this.s.triggers.mint({ userId: user.id, viewId: view.id });
    const payload = viewSubmissionPayload(this.s, { user, view, triggerId });
    const reply = await this.send('interactive', interactionForm(payload), payload);
    applyViewSubmissionAck(this.s, reply, view);
    return { ...toResult(reply), triggerId, payload, view };
  }

  /** The same interaction over the chosen transport: a signed form POST, or an envelope. */
  private send(
    type: EnvelopeType,
    form: string,
    payload: Record<string, unknown>,
  ): Promise<AckReply & { ackMs: number }> {
    if (this.transport === 'http') return this.post(form);
    if (!this.socket) throw new Error('Slack emulator: this driver has no Socket Mode server');
    return this.socket.deliver(type, payload);
  }

  private async post(rawBody: string, opts: SignedPostOptions = {}): Promise<AckReply & { ackMs: number }> {
    const url = opts.url ?? this.appUrl();
    if (!url) throw new Error('Slack emulator: set appUrl (the bot request URL) before driving interactions');
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (!opts.omitHeaders) {
      headers['x-slack-request-timestamp'] = String(timestamp);
      headers['x-slack-signature'] =
        opts.signature ?? slackSignature(opts.secret ?? this.s.config.signingSecret, timestamp, rawBody);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.s.config.ackTimeoutMs);
    const started = performance.now();
    try {
      const res = await fetch(url, { method: 'POST', headers, body: rawBody, signal: controller.signal });
      const body = await res.text();
      const ackMs = performance.now() - started;
      return {
        status: res.status,
        body,
        contentType: res.headers.get('content-type') ?? undefined,
        timedOut: false,
        ackMs,
      };
    } catch (err) {
      const ackMs = performance.now() - started;
      if (controller.signal.aborted)
        return { status: 0, body: '', contentType: undefined, timedOut: true, ackMs };
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return {
        status: 0,
        body: '',
        contentType: undefined,
        timedOut: false,
        connectionError: cause ?? String(err),
        ackMs,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private user(id: string): SlackUser {
    const user = this.s.workspace.users.get(id);
    if (!user) throw new Error(`Slack emulator: unknown user ${id}`);
    return user;
  }

  private channel(id: string): SlackChannel {
    const channel = this.s.workspace.channels.get(id);
    if (!channel) throw new Error(`Slack emulator: unknown channel ${id}`);
    return channel;
  }

  private openView(id: string, userId: string): EmulatedView {
    const view = this.s.views.get(id);
    if (!view || !view.open) throw new Error(`view ${id} is not open`);
    if (view.userId !== userId) throw new Error(`view ${id} is open for ${view.userId}, not ${userId}`);
    return view;
  }
}

function interactionForm(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function toResult(reply: AckReply & { ackMs: number }): DriverResult {
  const result: DriverResult = {
    status: reply.status,
    body: reply.body,
    ackMs: reply.ackMs,
    timedOut: reply.timedOut,
  };
  if (reply.connectionError) result.error = reply.connectionError;
  if (reply.contentType?.includes('application/json')) {
    try {
      result.json = JSON.parse(reply.body);
    } catch {
      // not JSON after all
    }
  }
  return result;
}
