import { WebClient, type WebAPICallError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_USER_ID,
  APPROVER2_USER_ID,
  APPROVER_USER_ID,
  APPROVERS_GROUP_ID,
  BOT_USER_ID,
  GRID_USER_ID,
  RANDOM_CHANNEL_ID,
  SECOPS_CHANNEL_ID,
  SEC_ADMINS_GROUP_ID,
  startSlackEmulator,
  TEAM_ID,
  type SlackEmulator,
} from '../../src/sim/slack/index.js';
import { quietLogger } from '../../src/sim/slack/quiet-logger.js';

const TOKEN = 'xoxb-test-emulator-token';

async function slackError(
  p: Promise<unknown>,
): Promise<WebAPICallError & { data?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as WebAPICallError & { data?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

describe('Slack emulator: Web API over real HTTP with @slack/web-api', () => {
  let emu: SlackEmulator;
  let client: WebClient;

  beforeEach(async () => {
    emu = await startSlackEmulator({ signingSecret: 'sign-secret', botToken: TOKEN });
    client = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger(),
    });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('answers auth.test with the seeded team and bot', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, team_id: TEAM_ID, user_id: BOT_USER_ID });
    expect(emu.apiUrl.endsWith('/api/')).toBe(true);
  });

  it('posts, updates and deletes messages; blocks arrive as objects in the record', async () => {
    const blocks = [
      { type: 'section', block_id: 'card', text: { type: 'mrkdwn', text: '*Rotate keys?*' } },
      {
        type: 'actions',
        block_id: 'decide',
        elements: [
          {
            type: 'button',
            action_id: 'approve',
            text: { type: 'plain_text', text: 'Approve' },
            value: 'r1',
          },
        ],
      },
    ];
    const posted = await client.chat.postMessage({
      channel: SECOPS_CHANNEL_ID,
      text: 'Rotate keys?',
      blocks,
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe(SECOPS_CHANNEL_ID);
    expect(posted.message?.bot_id).toBeDefined();

    const call = await emu.waitFor((c) => c.method === 'chat.postMessage');
    expect(call.args.blocks).toEqual(blocks);
    expect(call.token).toBe(TOKEN);
    expect(call.args.token).toBeUndefined();

    await client.chat.update({
      channel: SECOPS_CHANNEL_ID,
      ts: posted.ts!,
      text: 'Approved by alex',
      blocks: [],
    });
    const [msg] = emu.messages(SECOPS_CHANNEL_ID);
    expect(msg?.text).toBe('Approved by alex');
    expect(msg?.revisions).toHaveLength(2);

    const missing = await slackError(
      client.chat.update({ channel: SECOPS_CHANNEL_ID, ts: '1.000001', text: 'x' }),
    );
    expect(missing.data?.error).toBe('message_not_found');

    await client.chat.delete({ channel: SECOPS_CHANNEL_ID, ts: posted.ts! });
    expect(emu.messages(SECOPS_CHANNEL_ID)).toHaveLength(0);
    expect(emu.messages(SECOPS_CHANNEL_ID, { includeDeleted: true })).toHaveLength(1);
  });

  it('posts ephemerals attributed to their user', async () => {
    const res = await client.chat.postEphemeral({
      channel: SECOPS_CHANNEL_ID,
      user: ADMIN_USER_ID,
      text: 'only you',
    });
    expect(res.message_ts).toBeDefined();
    expect(emu.messages(SECOPS_CHANNEL_ID)[0]).toMatchObject({
      text: 'only you',
      ephemeralTo: ADMIN_USER_ID,
    });
    expect(emu.messages(SECOPS_CHANNEL_ID, { visibleTo: APPROVER_USER_ID })).toHaveLength(0);
    const noUser = await slackError(
      client.chat.postEphemeral({ channel: SECOPS_CHANNEL_ID, user: 'U0NOBODY00', text: 'x' }),
    );
    expect(noUser.data?.error).toBe('user_not_found');
  });

  it('refuses channels the bot is not in, unknown channels and wrong tokens', async () => {
    const notIn = await slackError(client.chat.postMessage({ channel: RANDOM_CHANNEL_ID, text: 'hi' }));
    expect(notIn.data?.error).toBe('not_in_channel');
    emu.workspace.join(RANDOM_CHANNEL_ID, BOT_USER_ID);
    expect((await client.chat.postMessage({ channel: RANDOM_CHANNEL_ID, text: 'invited' })).ok).toBe(true);
    emu.workspace.leave(RANDOM_CHANNEL_ID, BOT_USER_ID);
    const unknown = await slackError(client.chat.postMessage({ channel: 'C0NOWHERE1', text: 'hi' }));
    expect(unknown.data?.error).toBe('channel_not_found');
    const bad = new WebClient('xoxb-wrong', {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger(),
    });
    const auth = await slackError(bad.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 'hi' }));
    expect(auth.data?.error).toBe('invalid_auth');
    expect(emu.messages(SECOPS_CHANNEL_ID)).toHaveLength(0);
    expect(emu.messages(RANDOM_CHANNEL_ID).map((m) => m.text)).toEqual(['invited']);
  });

  it('enforces Block Kit limits with invalid_blocks', async () => {
    const tooLong = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    const err = await slackError(
      client.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 't', blocks: tooLong }),
    );
    expect(err.data?.error).toBe('invalid_blocks');
    expect(err.data?.errors).toContain(
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    );

    const many = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const err2 = await slackError(
      client.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 't', blocks: many }),
    );
    expect(err2.data?.errors).toContain('no more than 50 items allowed [json-pointer:/blocks]');

    const none = await slackError(client.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: '' }));
    expect(none.data?.error).toBe('no_text');
  });

  it('looks up users, user groups and conversations', async () => {
    const info = await client.users.info({ user: ADMIN_USER_ID });
    expect(info.user).toMatchObject({ id: ADMIN_USER_ID, name: 'ada.admin', is_bot: false });
    const grid = await client.users.info({ user: GRID_USER_ID });
    expect(grid.user?.id).toBe(GRID_USER_ID);

    const approvers = await client.usergroups.users.list({ usergroup: APPROVERS_GROUP_ID });
    expect(approvers.users).toEqual([APPROVER_USER_ID, APPROVER2_USER_ID]);
    const admins = await client.usergroups.users.list({ usergroup: SEC_ADMINS_GROUP_ID });
    expect(admins.users).toEqual([ADMIN_USER_ID]);

    emu.workspace.addGroup({ id: 'S0NEWGROUP', handle: 'new', users: [GRID_USER_ID] });
    expect((await client.usergroups.users.list({ usergroup: 'S0NEWGROUP' })).users).toEqual([GRID_USER_ID]);

    emu.workspace.groupLookupError = 'missing_scope';
    const scope = await slackError(client.usergroups.users.list({ usergroup: APPROVERS_GROUP_ID }));
    expect(scope.data).toMatchObject({ error: 'missing_scope', needed: 'usergroups:read' });

    const dm = await client.conversations.open({ users: ADMIN_USER_ID });
    expect(dm.channel?.id).toBe('D0ADMIN001');
    await client.chat.postMessage({ channel: dm.channel!.id!, text: 'hello in DM' });
    expect(emu.messages('D0ADMIN001')[0]?.text).toBe('hello in DM');

    const chan = await client.conversations.info({ channel: RANDOM_CHANNEL_ID });
    expect(chan.channel).toMatchObject({ id: RANDOM_CHANNEL_ID, name: 'random', is_member: false });
  });

  it('answers unknown methods with unknown_method, and accepts JSON bodies', async () => {
    const err = await slackError(client.apiCall('nonsense.method', {}));
    expect(err.data?.error).toBe('unknown_method');

    const res = await fetch(`${emu.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: SECOPS_CHANNEL_ID, text: 'json', blocks: [{ type: 'divider' }] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: SECOPS_CHANNEL_ID });
    expect(emu.calls.at(-1)?.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('rate limits on demand: HTTP 429 + Retry-After, seen by WebClient as a rate-limited error', async () => {
    emu.failNext('chat.postMessage', 'ratelimited', { retryAfter: 7 });
    const strict = new WebClient(TOKEN, {
      slackApiUrl: emu.apiUrl,
      rejectRateLimitedCalls: true,
      logger: quietLogger(),
    });
    const err = await slackError(strict.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 'hi' }));
    expect(err.code).toBe('slack_webapi_rate_limited_error');
    expect((err as unknown as { retryAfter: number }).retryAfter).toBe(7);
    expect(emu.calls.at(-1)).toMatchObject({ status: 429, response: { error: 'ratelimited' } });

    // one-shot: the next call goes through
    await strict.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 'hi' });

    emu.failNext('chat.postMessage', 'internal_error');
    const internal = await slackError(client.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 'x' }));
    expect(internal.data?.error).toBe('internal_error');
  });

  it('waitFor resolves on a future call and times out with a description', async () => {
    const waiting = emu.waitFor((c) => c.method === 'chat.postMessage' && c.args.text === 'later', 2000);
    setTimeout(() => void client.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 'later' }), 50);
    expect((await waiting).response.ok).toBe(true);
    await expect(emu.waitFor((c) => c.method === 'views.open', 100)).rejects.toThrow(/chat.postMessage/);
  });

  it('applies HTTP fault switches', async () => {
    emu.faults.status = { code: 503, times: 1 };
    const err = await slackError(client.auth.test());
    expect(err.code).toBe('slack_webapi_http_error');
    expect((await client.auth.test()).ok).toBe(true);
  });
});
