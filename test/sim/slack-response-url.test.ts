import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_USER_ID,
  APPROVER_USER_ID,
  RANDOM_CHANNEL_ID,
  SECOPS_CHANNEL_ID,
  startSlackEmulator,
  type SlackEmulator,
} from '../../src/sim/slack/index.js';
import { quietLogger } from '../../src/sim/slack/quiet-logger.js';

const TOKEN = 'xoxb-response-url';

async function post(url: string, body: unknown): Promise<[number, string]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return [res.status, await res.text()];
}

describe('Slack emulator: response_url', () => {
  let emu: SlackEmulator;

  beforeEach(async () => {
    emu = await startSlackEmulator({ signingSecret: 's', botToken: TOKEN });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('posts ephemeral by default, in_channel on request, even where the bot is not a member', async () => {
    const url = emu.mintResponseUrl(ADMIN_USER_ID, RANDOM_CHANNEL_ID);
    expect(url.startsWith(`${emu.url}/response/`)).toBe(true);
    expect(await post(url, { text: 'just you' })).toEqual([200, 'ok']);
    expect(await post(url, { text: 'everyone', response_type: 'in_channel' })).toEqual([200, 'ok']);
    expect(emu.messages(RANDOM_CHANNEL_ID).map((m) => [m.text, m.ephemeralTo])).toEqual([
      ['just you', ADMIN_USER_ID],
      ['everyone', undefined],
    ]);
    expect(emu.messages(RANDOM_CHANNEL_ID, { visibleTo: APPROVER_USER_ID }).map((m) => m.text)).toEqual([
      'everyone',
    ]);
    expect(emu.responseUrlPosts.map((p) => p.result)).toEqual(['ok', 'ok']);
  });

  it('allows 5 uses, then answers 404 used_url', async () => {
    const url = emu.mintResponseUrl(ADMIN_USER_ID, SECOPS_CHANNEL_ID);
    for (let i = 1; i <= 5; i++) expect(await post(url, { text: `update ${i}` })).toEqual([200, 'ok']);
    expect(await post(url, { text: 'sixth' })).toEqual([404, 'used_url']);
    expect(emu.messages(SECOPS_CHANNEL_ID)).toHaveLength(5);
  });

  it('expires after 30 minutes with 404 expired_url', async () => {
    const url = emu.mintResponseUrl(ADMIN_USER_ID, SECOPS_CHANNEL_ID);
    emu.advanceTime(30 * 60 * 1000 + 1);
    expect(await post(url, { text: 'late' })).toEqual([404, 'expired_url']);
  });

  it('rejects bad bodies without spending a use', async () => {
    const url = emu.mintResponseUrl(ADMIN_USER_ID, SECOPS_CHANNEL_ID);
    expect(await post(url, '{not json')).toEqual([400, 'invalid_payload']);
    expect(await post(url, { response_type: 'ephemeral' })).toEqual([400, 'no_text']);
    const tooLong = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    expect(await post(url, { text: 't', blocks: tooLong })).toEqual([400, 'invalid_blocks']);
    for (let i = 0; i < 5; i++) expect((await post(url, { text: 'ok' }))[0]).toBe(200);
    expect(await post(`${emu.url}/response/T0CLOUDKNX/abc/def`, { text: 'x' })).toEqual([404, 'no_service']);
  });

  it('replaces and deletes the source message of a click', async () => {
    const client = new WebClient(TOKEN, { slackApiUrl: emu.apiUrl, logger: quietLogger() });
    const card = await client.chat.postMessage({ channel: SECOPS_CHANNEL_ID, text: 'card' });
    const url = emu.mintResponseUrl(APPROVER_USER_ID, SECOPS_CHANNEL_ID, card.ts);

    await post(url, { replace_original: true, text: 'decided' });
    expect(emu.messages(SECOPS_CHANNEL_ID)).toMatchObject([{ ts: card.ts, text: 'decided' }]);

    await post(url, { replace_original: false, response_type: 'ephemeral', text: 'only the clicker' });
    expect(emu.messages(SECOPS_CHANNEL_ID).at(-1)).toMatchObject({ ephemeralTo: APPROVER_USER_ID });

    await post(url, { delete_original: 'true' });
    expect(emu.messages(SECOPS_CHANNEL_ID).map((m) => m.text)).toEqual(['only the clicker']);
  });

  it('replace_original on a slash command replaces the previous response, not the command', async () => {
    const url = emu.mintResponseUrl(ADMIN_USER_ID, SECOPS_CHANNEL_ID);
    await post(url, { text: 'Working…' });
    await post(url, { text: 'Done', replace_original: true });
    expect(emu.messages(SECOPS_CHANNEL_ID)).toMatchObject([{ text: 'Done', ephemeralTo: ADMIN_USER_ID }]);
  });
});
