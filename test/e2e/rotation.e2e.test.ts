import { afterEach, describe, expect, it } from 'vitest';
import { CloudKnoxClient } from '../../src/clients/cloudknox/index.js';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { ACTION_IDS, INPUT_IDS } from '../../src/slack/ids.js';
import {
  canarySeed,
  canarySlackSecrets,
  findLeaks,
  outboundTraffic,
  secretsOf,
  storeContents,
} from '../support/canary.js';
import { buttons, eventually, visibleText } from '../support/slack-text.js';

/**
 * Issue 4 acceptance 1 and 6: the whole Generate New Key flow through the real app over real HTTP,
 * then a hunt for the old and new secret keys and the code in everything that left the bot.
 */
const { admin, approver } = SLACK_SEED.users;
const { secops } = SLACK_SEED.channels;

let world: World;
afterEach(async () => world?.close());

function card(w: World) {
  return w.slack
    .messages(secops)
    .find((m) => m.fromBot && !m.ephemeralTo && visibleText(m).includes('Generate New Key'));
}

function ephemeralTo(w: World, user: string, text: string) {
  return w.slack
    .messages(secops, { visibleTo: user })
    .find((m) => m.ephemeralTo === user && visibleText(m).includes(text));
}

async function authenticates(w: World, accessKey: string, secretKey: string | undefined): Promise<boolean> {
  return CloudKnoxClient.verifyCredentials(w.sims.cloudknox.url, {
    serviceAccountId: w.sims.cloudknox.serviceAccountId,
    accessKey,
    secretKey: secretKey ?? '',
  }).then(
    () => true,
    () => false,
  );
}

describe('Generate New Key from Slack', () => {
  it('rotate → self-approval refused → approved → code → wrong code → right code → one new key everywhere', async () => {
    // Ada is both admin and approver here, so the self-approval rule (not the role) is what refuses her.
    world = await startWorld({
      seed: canarySeed(),
      ...canarySlackSecrets(),
      captureLogs: true,
      env: { CLOUDKNOX_APPROVERS: `${admin},${SLACK_SEED.groups.approvers}`, LOG_LEVEL: 'debug' },
    });
    const w = world;
    const acks: string[] = [];
    const oldKey = w.sims.cloudknox.activeKey()!.accessKey;
    const oldSecret = w.sims.cloudknox.secretKeyOf(oldKey)!;

    acks.push(
      (
        await w.slack.driver.slashCommand({
          userId: admin,
          channelId: secops,
          text: 'keys rotate quarterly rotation',
        })
      ).body,
    );
    const requested = await eventually(() => card(w));
    expect(visibleText(requested)).toContain('Waiting for an approver');
    expect(visibleText(requested)).toContain('••••' + oldKey.slice(-4));
    expect(visibleText(requested)).toContain('quarterly rotation');
    expect(buttons(requested)).toEqual([ACTION_IDS.approveRotation, ACTION_IDS.denyRotation]);

    // Self-approval is refused, ephemerally, and changes nothing.
    acks.push(
      (
        await w.slack.driver.blockAction({
          userId: admin,
          channelId: secops,
          messageTs: requested.ts,
          actionId: ACTION_IDS.approveRotation,
          value: requested.blocks && (buttonValue(requested) ?? ''),
        })
      ).body,
    );
    await eventually(() => ephemeralTo(w, admin, 'another approver has to approve it'));
    expect(visibleText(card(w))).toContain('Waiting for an approver');

    // An approver approves: the card loses Approve/Deny and offers the code button.
    await w.slack.driver.blockAction({
      userId: approver,
      channelId: secops,
      messageTs: requested.ts,
      actionId: ACTION_IDS.approveRotation,
      value: buttonValue(requested),
    });
    const approved = await eventually(() =>
      visibleText(card(w)).includes('Approved by') ? card(w) : undefined,
    );
    expect(buttons(approved)).toEqual([ACTION_IDS.enterCode]);

    // The requester opens the modal; CloudKnox emails the code; the modal shows the masked address.
    await w.slack.driver.blockAction({
      userId: admin,
      channelId: secops,
      messageTs: approved!.ts,
      actionId: ACTION_IDS.enterCode,
      value: buttonValue(approved!),
    });
    const form = await eventually(() => {
      const v = w.slack.openView(admin);
      return v && JSON.stringify(v.payload).includes(INPUT_IDS.otp.block) ? v : undefined;
    });
    expect(JSON.stringify(form.payload)).toContain('Validate OTP To Generate New Keys');
    expect(JSON.stringify(form.payload)).toContain('s•••@contoso.com');
    expect(w.sims.cloudknox.outbox).toHaveLength(1);
    const otp = w.sims.cloudknox.lastOtp()!;

    // A wrong code is answered inside the modal, keyed by the input block, with attempts left.
    const wrong = await w.slack.driver.viewSubmission({
      userId: admin,
      viewId: form.id,
      values: { [INPUT_IDS.otp.block]: otp === '000000' ? '111111' : '000000' },
    });
    acks.push(wrong.body);
    expect(wrong.json).toMatchObject({ response_action: 'errors' });
    expect(w.slack.viewErrors(form.id)).toEqual({
      [INPUT_IDS.otp.block]: 'That code is not right. 4 attempts left.',
    });

    // The right code: new key created, written into ServiceNow, proven, old key revoked.
    const right = await w.slack.driver.viewSubmission({
      userId: admin,
      viewId: form.id,
      values: { [INPUT_IDS.otp.block]: otp },
    });
    acks.push(right.body);
    expect(right.timedOut).toBe(false);
    const result = await eventually(() =>
      w.slack
        .messages(secops)
        .find(
          (m) =>
            m.fromBot &&
            !m.ephemeralTo &&
            visibleText(m).includes('Rotated') &&
            !visibleText(m).includes('Generate New Key'),
        ),
    );
    const active = w.sims.cloudknox.keys().filter((k) => k.status === 'ACTIVE');
    expect(active).toHaveLength(1);
    const newKey = active[0]!.accessKey;
    expect(newKey).not.toBe(oldKey);
    const record = w.sims.servicenow.configRecord()!;
    expect(record.access_key).toBe(newKey);
    const newSecret = w.sims.cloudknox.secretKeyOf(newKey)!;
    expect(record.secret_key).toBe(newSecret);
    expect(await authenticates(w, newKey, newSecret)).toBe(true);
    expect(await authenticates(w, oldKey, oldSecret)).toBe(false);
    expect(visibleText(result)).toContain(
      `ServiceNow now uses ••••${newKey.slice(-4)}; the old key ••••${oldKey.slice(-4)} is revoked`,
    );
    expect(visibleText(result)).toContain(`Requested by <@${admin}>, approved by <@${approver}>`);
    expect(visibleText(card(w))).toContain('Rotated');
    expect(buttons(card(w))).toEqual([]);
    const finalView = JSON.stringify(w.slack.view(form.id)?.payload);
    expect(finalView).toContain('Rotated');

    // Canary: neither secret key nor the code appears anywhere the bot wrote to, or in its store.
    await new Promise((r) => setTimeout(r, 200));
    const secrets = {
      ...secretsOf(w),
      'old secret key': oldSecret,
      'new secret key': newSecret,
      'the code (OTP)': otp,
    };
    const places = { ...outboundTraffic(w, acks), 'state store': await storeContents(w) };
    expect(places['state store']).toContain('rotated');
    expect(findLeaks(secrets, places)).toEqual([]);
  }, 30_000);
});

function buttonValue(m: { blocks?: unknown[] }): string | undefined {
  for (const b of (m.blocks ?? []) as Array<{ elements?: Array<{ value?: string }> }>) {
    for (const e of b.elements ?? []) if (e.value) return e.value;
  }
  return undefined;
}
