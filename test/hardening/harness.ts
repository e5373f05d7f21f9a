import http from 'node:http';
import { WebClient } from '@slack/web-api';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World, type WorldOptions } from '../../src/sim/world.js';

/**
 * Shared pieces of the hardening tests (issue 6): a world to attack, hand-made Slack bodies, a raw
 * HTTP client for what fetch cannot send (duplicated headers, chunked bodies), and everything the
 * bot sent towards Slack as one text to search.
 */
export const { admin, approver, approver2, outsider } = SLACK_SEED.users;
export const { secops, random } = SLACK_SEED.channels;
export const TEAM = SLACK_SEED.team.id;

/** The real bot against the emulator and simulators, its log lines captured. */
export function hardWorld(opts: WorldOptions = {}): Promise<World> {
  return startWorld({ captureLogs: true, ...opts });
}

/** A slash command form exactly as Slack sends it. */
export function commandForm(w: World, text: string, userId: string = admin, channelId: string = secops) {
  return new URLSearchParams({
    token: 'vErIfIcAtIoNtOkEnEmUlAtOr',
    team_id: TEAM,
    team_domain: SLACK_SEED.team.domain,
    channel_id: channelId,
    channel_name: 'secops',
    user_id: userId,
    user_name: 'ada.admin',
    command: '/cloudknox',
    text,
    api_app_id: SLACK_SEED.app.id,
    is_enterprise_install: 'false',
    response_url: w.slack.mintResponseUrl(userId, channelId),
    trigger_id: w.slack.mintTrigger(userId, { channelId }),
  }).toString();
}

/** An interactive body (`payload=<json>`). */
export function interactionForm(payload: unknown): string {
  return new URLSearchParams({
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  }).toString();
}

/** A block_actions payload for a button the bot may or may not know. */
export function blockActionsPayload(
  w: World,
  opts: { actionId: string; value?: string; userId?: string; channelId?: string },
) {
  const userId = opts.userId ?? admin;
  const channelId = opts.channelId ?? secops;
  return {
    type: 'block_actions',
    team: { id: TEAM, domain: SLACK_SEED.team.domain },
    user: { id: userId, username: 'someone', name: 'someone', team_id: TEAM },
    api_app_id: SLACK_SEED.app.id,
    token: 'vErIfIcAtIoNtOkEnEmUlAtOr',
    container: {
      type: 'message',
      message_ts: '1700000000.000100',
      channel_id: channelId,
      is_ephemeral: false,
    },
    trigger_id: w.slack.mintTrigger(userId, { channelId }),
    channel: { id: channelId, name: 'secops' },
    message: { type: 'message', ts: '1700000000.000100', text: 'an old message', blocks: [] },
    response_url: w.slack.mintResponseUrl(userId, channelId),
    actions: [
      {
        type: 'button',
        action_id: opts.actionId,
        block_id: 'old_block',
        text: { type: 'plain_text', text: 'Press' },
        value: opts.value ?? 'x',
        action_ts: '1700000001.000200',
      },
    ],
  };
}

export function viewPayload(w: World, type: 'view_submission' | 'view_closed', callbackId: string) {
  return {
    type,
    team: { id: TEAM, domain: SLACK_SEED.team.domain },
    user: { id: admin, username: 'ada.admin', name: 'ada.admin', team_id: TEAM },
    api_app_id: SLACK_SEED.app.id,
    token: 'vErIfIcAtIoNtOkEnEmUlAtOr',
    trigger_id: w.slack.mintTrigger(admin),
    view: {
      id: 'V0NOTOURS01',
      team_id: TEAM,
      type: 'modal',
      callback_id: callbackId,
      private_metadata: '',
      title: { type: 'plain_text', text: 'Not ours' },
      blocks: [],
      state: { values: {} },
      hash: '1700000000.abcdef',
    },
  };
}

export interface RawReply {
  status: number;
  body: string;
  ms: number;
  error?: string;
}

/**
 * A POST over a fresh connection with full control of the headers (an array value sends the header
 * once per element) and, with `chunked`, a body of unknown length sent in pieces.
 */
export function rawPost(
  url: string,
  body: string | Buffer,
  headers: Record<string, string | string[]>,
  opts: { chunked?: boolean; timeoutMs?: number } = {},
): Promise<RawReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (r: Omit<RawReply, 'ms'>) => resolve({ ...r, ms: performance.now() - started });
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: opts.chunked ? headers : { ...headers, 'content-length': String(data.length) },
      timeout: opts.timeoutMs ?? 5000,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => done({ status: res.statusCode ?? 0, body: '', error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done({ status: 0, body: '', error: e.message }));
    if (opts.chunked) {
      // 64 KB pieces; stop writing once the server has answered.
      let offset = 0;
      const pump = () => {
        while (offset < data.length && !req.destroyed) {
          const piece = data.subarray(offset, offset + 65_536);
          offset += piece.length;
          if (!req.write(piece)) return void req.once('drain', pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    } else req.end(data);
  });
}

/** Slack's Web API as the bot sees it, for setting up views the bot did not open itself. */
export function botClient(w: World): WebClient {
  return new WebClient(w.rawEnv.SLACK_BOT_TOKEN, {
    slackApiUrl: w.slack.apiUrl,
    retryConfig: { retries: 0 },
  });
}

/** Everything the bot sent towards Slack: acks, Web API arguments, response_url posts. */
export function towardsSlack(w: World, acks: string[] = []): string {
  return [
    ...acks,
    ...w.slack.calls.map((c) => JSON.stringify(c.args)),
    ...w.slack.responseUrlPosts.map((p) => JSON.stringify(p.body)),
  ].join('\n');
}

/** A broadcast mention that would ping a whole channel or workspace if Slack rendered it. */
export const BROADCAST = /<!(channel|here|everyone)(\||>)/;

/** Slack's own error notices (operation_timeout, http_service_error, invalid_blocks…) in a channel. */
export function slackNotices(w: World, channelId: string = secops): string[] {
  return w.slack
    .messages(channelId, { includeDeleted: true })
    .filter((m) => m.origin === 'slack')
    .map((m) => m.text);
}

/** JSON log lines, parsed. */
export function logLines(w: World): Array<Record<string, unknown>> {
  return w.logs.flatMap((l) =>
    l
      .split('\n')
      .filter(Boolean)
      .map((x) => JSON.parse(x) as Record<string, unknown>),
  );
}

export function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
