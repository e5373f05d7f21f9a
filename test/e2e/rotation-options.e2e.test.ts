import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { INPUT_IDS } from '../../src/slack/ids.js';
import { eventually, visibleText } from '../support/slack-text.js';

/** DESIGN §4.2's options: ROTATION_APPROVAL=off and APPROVAL_CHANNEL. */
const { admin } = SLACK_SEED.users;
const { secops, random } = SLACK_SEED.channels;

let world: World;
afterEach(async () => world?.close());

describe('rotation options', () => {
  it('ROTATION_APPROVAL=off: the command opens the code dialog at once and CloudKnox sends the code', async () => {
    world = await startWorld({ env: { ROTATION_APPROVAL: 'off' } });
    const w = world;
    const ack = await w.slack.driver.slashCommand({
      userId: admin,
      channelId: secops,
      text: 'keys rotate solo admin',
    });
    expect(ack.status).toBe(200);
    const form = await eventually(() => {
      const v = w.slack.openView(admin);
      return v && JSON.stringify(v.payload).includes(INPUT_IDS.otp.block) ? v : undefined;
    });
    expect(w.sims.cloudknox.outbox).toHaveLength(1);
    const card = await eventually(() =>
      w.slack.messages(secops).find((m) => visibleText(m).includes('Generate New Key')),
    );
    expect(visibleText(card)).not.toContain('Waiting for an approver');
    await w.slack.driver.viewSubmission({
      userId: admin,
      viewId: form.id,
      values: { [INPUT_IDS.otp.block]: w.sims.cloudknox.lastOtp()! },
    });
    await eventually(() =>
      w.slack
        .messages(secops)
        .find((m) => visibleText(m).includes('Rotated') && !visibleText(m).includes('Generate New Key')),
    );
    expect(w.sims.cloudknox.keys().filter((k) => k.status === 'ACTIVE')).toHaveLength(1);
  });

  it('APPROVAL_CHANNEL: the card goes to the approvers channel and the requester is told where', async () => {
    world = await startWorld({ env: { APPROVAL_CHANNEL: secops } });
    const w = world;
    w.slack.workspace.join(random, SLACK_SEED.app.botUserId);
    await w.slack.driver.slashCommand({ userId: admin, channelId: random, text: 'keys rotate' });
    const card = await eventually(() =>
      w.slack.messages(secops).find((m) => visibleText(m).includes('Waiting for an approver')),
    );
    expect(card.channel).toBe(secops);
    const note = await eventually(() =>
      w.slack
        .messages(random, { visibleTo: admin })
        .find((m) => m.ephemeralTo === admin && visibleText(m).includes('waiting for approval')),
    );
    expect(visibleText(note)).toContain(`<#${secops}>`);
    expect(w.slack.messages(random).some((m) => visibleText(m).includes('Waiting for an approver'))).toBe(
      false,
    );
  });
});
