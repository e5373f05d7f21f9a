import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature } from '../../src/sim/slack/signing.js';
import type { World } from '../../src/sim/world.js';
import { ACTION_IDS, INPUT_IDS, VIEW_IDS } from '../../src/slack/ids.js';
import { buttons, eventually, visibleText } from '../support/slack-text.js';
import {
  admin,
  approver,
  blockActionsPayload,
  botClient,
  commandForm,
  hardWorld,
  interactionForm,
  logLines,
  outsider,
  rawPost,
  secops,
  viewPayload,
  wait,
} from './harness.js';

/**
 * Issue 6, "Slack requests": every way a request to /slack/events can be wrong, forged or strange,
 * through the real bot over real HTTP. Refused requests change nothing; odd but authentic ones are
 * answered at once; the bot keeps serving after each.
 */
let world: World;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  world = await hardWorld();
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await world?.close();
});
afterEach(() => expect(unhandled).toEqual([]));

const now = () => Math.floor(Date.now() / 1000);

/** The bot still answers a plain `/cloudknox help` at once. */
async function stillServing(): Promise<void> {
  const res = await world.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'help' });
  expect(res.status).toBe(200);
  expect(res.ackMs).toBeLessThan(1000);
  expect(res.body).toContain('servicenow test');
}

/** Nothing reached a handler: no Web API call, no response_url post, no "command received" log. */
function sideEffectsSince(mark: { calls: number; posts: number; logs: number }) {
  return {
    calls: world.slack.calls.slice(mark.calls).map((c) => c.method),
    posts: world.slack.responseUrlPosts.slice(mark.posts).length,
    handled: world.logs.slice(mark.logs).filter((l) => l.includes('command received')).length,
  };
}
const mark = () => ({
  calls: world.slack.calls.length,
  posts: world.slack.responseUrlPosts.length,
  logs: world.logs.length,
});

describe('signatures and timestamps', () => {
  type Case = [string, (form: string) => Promise<{ status: number; ackMs?: number; ms?: number }>];
  const cases: Case[] = [
    ['a wrong signing secret', (f) => world.slack.driver.signedPost(f, { secret: 'not-the-signing-secret' })],
    [
      'the v1= scheme (the right HMAC, an unknown version)',
      (f) => {
        const ts = now();
        const hmac = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f).slice(3);
        return world.slack.driver.signedPost(f, { timestamp: ts, signature: `v1=${hmac}` });
      },
    ],
    [
      'the right HMAC in upper case hex',
      (f) => {
        const ts = now();
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f);
        return world.slack.driver.signedPost(f, {
          timestamp: ts,
          signature: `v0=${sig.slice(3).toUpperCase()}`,
        });
      },
    ],
    ['an empty signature', (f) => world.slack.driver.signedPost(f, { signature: 'v0=' })],
    ['no signature headers at all', (f) => world.slack.driver.signedPost(f, { omitHeaders: true })],
    ['a timestamp 6 minutes old', (f) => world.slack.driver.signedPost(f, { timestamp: now() - 6 * 60 })],
    ['a timestamp a day old', (f) => world.slack.driver.signedPost(f, { timestamp: now() - 86_400 })],
    ['a timestamp 6 minutes ahead', (f) => world.slack.driver.signedPost(f, { timestamp: now() + 6 * 60 })],
    [
      'a timestamp a year ahead',
      (f) => world.slack.driver.signedPost(f, { timestamp: now() + 365 * 86_400 }),
    ],
    ['a timestamp in milliseconds', (f) => world.slack.driver.signedPost(f, { timestamp: Date.now() })],
    [
      'a body changed after signing (the text)',
      (f) => {
        const ts = now();
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f);
        return world.slack.driver.signedPost(f.replace('text=help', 'text=keys+rotate'), {
          timestamp: ts,
          signature: sig,
        });
      },
    ],
    [
      'a body changed after signing (another user)',
      (f) => {
        const ts = now();
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f);
        return world.slack.driver.signedPost(f.replace(`user_id=${outsider}`, `user_id=${admin}`), {
          timestamp: ts,
          signature: sig,
        });
      },
    ],
    [
      'a body with a parameter appended after signing',
      (f) => {
        const ts = now();
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f);
        return world.slack.driver.signedPost(`${f}&user_id=${admin}`, { timestamp: ts, signature: sig });
      },
    ],
    [
      'a signature for another timestamp',
      (f) => {
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, now() - 10, f);
        return world.slack.driver.signedPost(f, { timestamp: now(), signature: sig });
      },
    ],
    [
      'the signature header sent twice (both right)',
      (f) => {
        const ts = now();
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f);
        return rawPost(world.slack.appUrl!, f, {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': [sig, sig],
        });
      },
    ],
    [
      'the signature header sent twice (a wrong one first)',
      (f) => {
        const ts = now();
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f);
        return rawPost(world.slack.appUrl!, f, {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': ['v0=0000', sig],
        });
      },
    ],
    [
      'the timestamp header sent twice',
      (f) => {
        const ts = now();
        const sig = slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, f);
        return rawPost(world.slack.appUrl!, f, {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': [String(ts), String(ts)],
          'x-slack-signature': sig,
        });
      },
    ],
  ];

  it.each(cases)('refuses %s with 401, at once, and nothing happens', async (_name, send) => {
    const before = mark();
    const res = await send(commandForm(world, 'help', outsider));
    expect(res.status).toBe(401);
    expect(res.ackMs ?? res.ms).toBeLessThan(1000);
    await wait(100);
    expect(sideEffectsSince(before)).toEqual({ calls: [], posts: 0, handled: 0 });
    await stillServing();
  });

  it('accepts timestamps within a minute either side of its clock', async () => {
    for (const ts of [now() - 60, now() + 60]) {
      const res = await world.slack.driver.signedPost(commandForm(world, 'help'), { timestamp: ts });
      expect(res.status).toBe(200);
      expect(res.body).toContain('servicenow test');
    }
  });

  it('logs why a request was refused, without the signature or the secret', async () => {
    const before = world.logs.length;
    await world.slack.driver.signedPost(commandForm(world, 'help'), { timestamp: now() + 3600 });
    await world.slack.driver.signedPost(commandForm(world, 'help'), { secret: 'wrong' });
    const lines = world.logs.slice(before).join('');
    expect(lines).toMatch(/timestamp_in_future/);
    expect(lines).toMatch(/signature mismatch/);
    expect(lines).not.toContain(world.rawEnv.SLACK_SIGNING_SECRET!);
  });
});

describe('content types', () => {
  it.each([
    'application/x-www-form-urlencoded; charset=utf-8',
    'application/x-www-form-urlencoded;charset=UTF-8',
    'Application/X-WWW-Form-Urlencoded; charset=utf-8',
  ])('a correctly signed command sent as %s is answered', async (contentType) => {
    const res = await world.slack.driver.signedPost(commandForm(world, 'help'), { contentType });
    expect(res.status).toBe(200);
    expect(res.body).toContain('servicenow test');
  });

  it('a correctly signed button click sent with charset=utf-8 reaches its handler', async () => {
    const payload = blockActionsPayload(world, {
      actionId: ACTION_IDS.approveRotation,
      value: 'never-created',
      userId: approver,
    });
    const res = await world.slack.driver.signedPost(interactionForm(payload), {
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expect(res.status).toBe(200);
    await eventually(() =>
      world.slack.responseUrlPosts.find(
        (p) => p.user === approver && JSON.stringify(p.body).includes('no longer exists'),
      ),
    );
  });

  it('the charset does not excuse a wrong signature', async () => {
    const res = await world.slack.driver.signedPost(commandForm(world, 'help'), {
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      secret: 'not-the-signing-secret',
    });
    expect(res.status).toBe(401);
  });
});

describe('bodies over 1 MB', () => {
  const big = (bytes: number) => `${commandForm(world, 'help')}&padding=${'a'.repeat(bytes)}`;

  it.each([
    ['1.1 MB, correctly signed', 1_100_000, true],
    ['5 MB, correctly signed', 5_000_000, true],
    ['20 MB, unsigned', 20_000_000, false],
  ])('%s: refused with 413 at once, the bot keeps serving', async (_name, bytes, signed) => {
    const body = big(bytes);
    const res = signed
      ? await world.slack.driver.signedPost(body)
      : await world.slack.driver.signedPost(body, { omitHeaders: true });
    expect(res.status).toBe(413);
    expect(res.ackMs).toBeLessThan(1500);
    await stillServing();
  });

  it('2 MB sent chunked (no Content-Length): refused with 413 once 1 MB has arrived', async () => {
    const body = big(2_000_000);
    const ts = now();
    const res = await rawPost(
      world.slack.appUrl!,
      body,
      {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature(world.rawEnv.SLACK_SIGNING_SECRET!, ts, body),
      },
      { chunked: true },
    );
    expect(res.status).toBe(413);
    expect(res.ms).toBeLessThan(2000);
    await stillServing();
  });

  it('just under 1 MB is still read and answered', async () => {
    const res = await world.slack.driver.signedPost(big(1_000_000));
    expect(res.status).toBe(200);
    expect(res.body).toContain('servicenow test');
  });
});

describe('malformed but correctly signed interactive bodies', () => {
  it.each([
    ['payload that is not JSON', '{not json', 400],
    ['an empty payload', '', 400],
    ['payload null', 'null', 400],
    ['payload an array', '[]', 400],
    ['payload a string', '"block_actions"', 400],
    ['payload a number', '42', 400],
    ['payload an empty object', '{}', 200],
    ['block_actions without actions', '{"type":"block_actions"}', 200],
    ['an unknown payload type', '{"type":"not_a_slack_type","user":{"id":"U0ADMIN001"}}', 200],
    // Bolt itself fails on these at once (500): answered, nothing else happens.
    ['view_submission without a view', '{"type":"view_submission"}', 500],
    ['block_actions with an empty actions list', '{"type":"block_actions","actions":[]}', 500],
  ])('%s (payload `%s`): answered %i at once, no crash', async (_name, payload, status) => {
    const before = mark();
    const res = await world.slack.driver.signedPost(interactionForm(payload));
    expect(res.timedOut).toBe(false);
    expect(res.status).toBe(status);
    expect(res.ackMs).toBeLessThan(1000);
    await wait(50);
    expect(sideEffectsSince(before).calls).toEqual([]);
    await stillServing();
  });

  it('a JSON body (not a form) that is null or garbage: answered 400, no crash', async () => {
    for (const body of ['null', '{"type":', '"x"']) {
      const res = await world.slack.driver.signedPost(body, { contentType: 'application/json' });
      expect(res.status).toBe(400);
    }
    await stillServing();
  });

  it('an empty signed body: acked and logged', async () => {
    const res = await world.slack.driver.signedPost('');
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeLessThan(1000);
  });

  it('an unsigned malformed payload is refused as unsigned (401), not parsed', async () => {
    const res = await world.slack.driver.signedPost(interactionForm('null'), { secret: 'wrong' });
    expect(res.status).toBe(401);
  });
});

describe('interactions with ids the bot does not know (acked within 3 s and logged, never a 404)', () => {
  function expectLogged(id: string) {
    const lines = logLines(world).filter((l) => l.event === 'unknown_interaction');
    expect(lines.map((l) => String(l.what))).toEqual(expect.arrayContaining([expect.stringContaining(id)]));
  }

  it('a button with an unknown action_id (an old message after an upgrade)', async () => {
    const res = await world.slack.driver.signedPost(
      interactionForm(blockActionsPayload(world, { actionId: 'retired_button_v0' })),
    );
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeLessThan(1000);
    expectLogged('retired_button_v0');
  });

  it.each(['view_submission', 'view_closed'] as const)(
    'a %s of a view with an unknown callback_id',
    async (type) => {
      const res = await world.slack.driver.signedPost(
        interactionForm(viewPayload(world, type, 'mystery_view')),
      );
      expect(res.status).toBe(200);
      expect(res.ackMs).toBeLessThan(1000);
      if (type === 'view_submission') expect(res.body).toBe(''); // an empty ack: Slack closes the modal
      expectLogged('mystery_view');
    },
  );

  it("a view_closed of one of the bot's own modals (it never asks for them) is acked at once", async () => {
    const res = await world.slack.driver.signedPost(
      interactionForm(viewPayload(world, 'view_closed', VIEW_IDS.otp)),
    );
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeLessThan(1000);
    expectLogged(`view_closed ${VIEW_IDS.otp}`);
  });

  it('a global shortcut, a message shortcut and an options request the app never declared', async () => {
    for (const payload of [
      {
        type: 'shortcut',
        callback_id: 'mystery_shortcut',
        trigger_id: '1.2.3',
        user: { id: admin },
        team: { id: 'T0CLOUDKNX' },
      },
      {
        type: 'message_action',
        callback_id: 'mystery_message_shortcut',
        trigger_id: '1.2.3',
        user: { id: admin },
        team: { id: 'T0CLOUDKNX' },
        channel: { id: secops },
        message: { ts: '1.2', text: 'x' },
        response_url: world.slack.mintResponseUrl(admin, secops),
      },
      {
        type: 'block_suggestion',
        action_id: 'mystery_select',
        block_id: 'b',
        value: 'ab',
        user: { id: admin },
        team: { id: 'T0CLOUDKNX' },
      },
    ]) {
      const res = await world.slack.driver.signedPost(interactionForm(payload));
      expect(res.status, payload.type).toBe(200);
      expect(res.ackMs).toBeLessThan(1000);
    }
    expectLogged('shortcut');
    expectLogged('block_suggestion');
  });

  it('another slash command routed to this app', async () => {
    const res = await world.slack.driver.slashCommand({
      userId: admin,
      channelId: secops,
      text: 'hello',
      command: '/othercommand',
    });
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeLessThan(1000);
    expectLogged('/othercommand');
  });
});

describe('interactions for rotation requests that do not exist', () => {
  const ghost = 'rot_never_created_0001';

  function ephemeral(user: string, text: string) {
    return world.slack
      .messages(secops, { visibleTo: user })
      .find((m) => m.ephemeralTo === user && visibleText(m).includes(text));
  }

  /** A real approval card to click on, with a forged request id in the button. */
  async function card() {
    const before = world.slack.messages(secops).length;
    await world.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'keys rotate test' });
    return eventually(() =>
      world.slack
        .messages(secops)
        .slice(before)
        .find((m) => m.fromBot && !m.ephemeralTo && buttons(m).includes(ACTION_IDS.approveRotation)),
    );
  }

  it.each([
    ['Approve', ACTION_IDS.approveRotation],
    ['Deny', ACTION_IDS.denyRotation],
  ])(
    '%s with a request id that was never created: "no longer exists", card untouched',
    async (_n, actionId) => {
      const c = await card();
      const res = await world.slack.driver.blockAction({
        userId: approver,
        channelId: secops,
        messageTs: c.ts,
        actionId,
        value: ghost,
      });
      expect(res.status).toBe(200);
      const told = await eventually(() => ephemeral(approver, 'no longer exists'));
      expect(visibleText(told)).toContain('/cloudknox keys rotate');
      expect(world.slack.openView(approver)).toBeUndefined();
      const now = world.slack.messages(secops).find((m) => m.ts === c.ts)!;
      expect(buttons(now)).toEqual([ACTION_IDS.approveRotation, ACTION_IDS.denyRotation]);
    },
  );

  it.each([
    ['an empty value', ''],
    ['a broadcast mention', '<!channel> <!here>'],
    ['2,000 characters', 'r'.repeat(2000)],
  ])('Approve with %s as the request id: answered, nothing echoed', async (_n, value) => {
    const c = await card();
    const posts = world.slack.responseUrlPosts.length;
    await world.slack.driver.blockAction({
      userId: approver,
      channelId: secops,
      messageTs: c.ts,
      actionId: ACTION_IDS.approveRotation,
      value,
    });
    const answer = await eventually(() =>
      world.slack.responseUrlPosts.slice(posts).find((p) => p.user === approver),
    );
    expect(JSON.stringify(answer.body)).toContain('no longer exists');
    expect(JSON.stringify(answer.body)).not.toContain('<!channel>');
    expect(JSON.stringify(answer.body)).not.toContain('r'.repeat(100));
  });

  it('Enter verification code with a request id that was never created: told, no modal, no email', async () => {
    const c = await card();
    await world.slack.driver.blockAction({
      userId: approver,
      channelId: secops,
      messageTs: c.ts,
      actionId: ACTION_IDS.approveRotation,
    });
    const approved = await eventually(() => {
      const m = world.slack.messages(secops).find((x) => x.ts === c.ts);
      return m && buttons(m).includes(ACTION_IDS.enterCode) ? m : undefined;
    });
    const otpCalls = world.sims.cloudknox.requests.filter((r) => r.endpoint === 'requestOtp').length;
    const opens = world.slack.calls.filter((x) => x.method === 'views.open').length;
    await world.slack.driver.blockAction({
      userId: admin,
      channelId: secops,
      messageTs: approved.ts,
      actionId: ACTION_IDS.enterCode,
      value: ghost,
    });
    await eventually(() => ephemeral(admin, 'no longer exists'));
    expect(world.slack.calls.filter((x) => x.method === 'views.open')).toHaveLength(opens);
    expect(world.sims.cloudknox.requests.filter((r) => r.endpoint === 'requestOtp')).toHaveLength(otpCalls);
  });

  /** A code modal (as the bot would show it) for a request that does not exist. */
  async function ghostCodeModal() {
    const opened = await botClient(world).views.open({
      trigger_id: world.slack.mintTrigger(admin),
      view: {
        type: 'modal',
        callback_id: VIEW_IDS.otp,
        private_metadata: ghost,
        title: { type: 'plain_text', text: 'Validate OTP' },
        submit: { type: 'plain_text', text: 'Verify' },
        blocks: [
          {
            type: 'input',
            block_id: INPUT_IDS.otp.block,
            label: { type: 'plain_text', text: 'Enter OTP' },
            element: { type: 'plain_text_input', action_id: INPUT_IDS.otp.action },
          },
          {
            type: 'actions',
            block_id: 'otp_actions',
            elements: [
              {
                type: 'button',
                action_id: ACTION_IDS.resendCode,
                text: { type: 'plain_text', text: 'Resend OTP' },
                value: ghost,
              },
            ],
          },
        ],
      },
    });
    return opened.view!.id!;
  }

  it('Verify in a code modal for a request that does not exist: the modal says so, CloudKnox is not asked', async () => {
    const viewId = await ghostCodeModal();
    const creates = world.sims.cloudknox.requests.filter((r) => r.endpoint === 'createKey').length;
    const res = await world.slack.driver.viewSubmission({
      userId: admin,
      viewId,
      values: { [INPUT_IDS.otp.block]: '123456' },
    });
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeLessThan(3000);
    expect(visibleText({ blocks: world.slack.view(viewId)!.payload.blocks as unknown[] })).toContain(
      'no longer exists',
    );
    expect(world.sims.cloudknox.requests.filter((r) => r.endpoint === 'createKey')).toHaveLength(creates);
  });

  it('Resend OTP in a code modal for a request that does not exist: the modal says so, no email', async () => {
    const viewId = await ghostCodeModal();
    const outbox = world.sims.cloudknox.outbox.length;
    const updates = world.slack.view(viewId)!.updates;
    const res = await world.slack.driver.blockAction({
      userId: admin,
      viewId,
      actionId: ACTION_IDS.resendCode,
    });
    expect(res.status).toBe(200);
    const view = await eventually(() => {
      const v = world.slack.view(viewId);
      return v && v.updates > updates ? v : undefined;
    });
    expect(visibleText({ blocks: view.payload.blocks as unknown[] })).toContain('no longer exists');
    expect(world.sims.cloudknox.outbox).toHaveLength(outbox);
  });

  it('Deny with a reason for a request that does not exist: the modal says so', async () => {
    const opened = await botClient(world).views.open({
      trigger_id: world.slack.mintTrigger(approver),
      view: {
        type: 'modal',
        callback_id: VIEW_IDS.denyReason,
        private_metadata: ghost,
        title: { type: 'plain_text', text: 'Deny key rotation' },
        submit: { type: 'plain_text', text: 'Deny' },
        blocks: [
          {
            type: 'input',
            block_id: INPUT_IDS.denyReason.block,
            optional: true,
            label: { type: 'plain_text', text: 'Reason' },
            element: { type: 'plain_text_input', action_id: INPUT_IDS.denyReason.action },
          },
        ],
      },
    });
    const viewId = opened.view!.id!;
    const res = await world.slack.driver.viewSubmission({
      userId: approver,
      viewId,
      values: { [INPUT_IDS.denyReason.block]: 'no' },
    });
    expect(res.status).toBe(200);
    expect(world.slack.viewErrors(viewId)?.[INPUT_IDS.denyReason.block]).toContain('no longer exists');
  });
});

describe('floods', () => {
  it('connections that pipeline wrongly signed requests are closed, and a real command is still acked at once', async () => {
    const url = new URL(world.slack.appUrl!);
    const form = commandForm(world, 'help', outsider);
    const ts = now();
    const request =
      `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\n` +
      'content-type: application/x-www-form-urlencoded\r\n' +
      `x-slack-request-timestamp: ${ts}\r\n` +
      `x-slack-signature: ${slackSignature('not-the-secret', ts, form)}\r\n` +
      `content-length: ${Buffer.byteLength(form)}\r\n\r\n${form}`;
    const before = world.logs.length;
    const closed = Array.from(
      { length: 10 },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect(Number(url.port), url.hostname, () => socket.write(request.repeat(2000)));
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
        }),
    );
    const ack = await world.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'help' });
    expect(ack.status).toBe(200);
    expect(ack.ackMs).toBeLessThan(1000);
    await Promise.all(closed);
    expect(world.logs.slice(before).join('')).toContain('pipelined');
    await stillServing();
  });
});
