import { afterEach, describe, expect, it } from 'vitest';
import { CloudKnoxClient } from '../../src/clients/cloudknox/index.js';
import { createLogger } from '../../src/logging/logger.js';
import type { SlackMessage } from '../../src/sim/slack/index.js';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import type { EmulatedView } from '../../src/sim/slack/views.js';
import { startWorld, type World, type WorldOptions } from '../../src/sim/world.js';
import { ACTION_IDS, INPUT_IDS } from '../../src/slack/ids.js';
import { StoreAuditLog, StoreRotationRepository } from '../../src/store/rotation-repository-store.js';
import { buttons, eventually, visibleText } from '../support/slack-text.js';

/**
 * Issue 4 acceptance 2–5 through the real app over real HTTP: rotations that fail part-way leave the
 * old key working and in ServiceNow, races decide once, refusals are specific, and the trigger_id
 * and 3 s ack rules hold with CloudKnox slow.
 */
const { admin, approver, approver2, outsider } = SLACK_SEED.users;
const { secops } = SLACK_SEED.channels;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(opts: WorldOptions = {}): Promise<World> {
  world = await startWorld(opts);
  return world;
}

// ---- reading what people see -------------------------------------------------------------------

/** The approval card (current state). */
function card(w: World): SlackMessage | undefined {
  return w.slack
    .messages(secops)
    .find((m) => m.fromBot && !m.ephemeralTo && visibleText(m).includes('Generate New Key'));
}

/** Public bot messages after the card: the posted result of a finished rotation. */
function results(w: World): SlackMessage[] {
  return w.slack
    .messages(secops)
    .filter((m) => m.fromBot && !m.ephemeralTo && !visibleText(m).includes('Generate New Key'));
}

function ephemeralTo(w: World, user: string, text: string): SlackMessage | undefined {
  return w.slack
    .messages(secops, { visibleTo: user })
    .find((m) => m.ephemeralTo === user && visibleText(m).includes(text));
}

function cardWhen(w: World, text: string, timeoutMs?: number): Promise<SlackMessage> {
  return eventually(() => {
    const c = card(w);
    return c && visibleText(c).includes(text) ? c : undefined;
  }, timeoutMs);
}

function viewText(v: EmulatedView | undefined): string {
  return v ? visibleText({ blocks: v.payload.blocks as unknown[] }) : '';
}

function isForm(v: EmulatedView | undefined): boolean {
  return !!v && JSON.stringify(v.payload.blocks).includes(INPUT_IDS.otp.block);
}

function requestIdOf(m: SlackMessage): string {
  for (const b of (m.blocks ?? []) as Array<{ elements?: Array<{ value?: string }> }>)
    for (const e of b.elements ?? []) if (e.value) return e.value;
  throw new Error('card has no button carrying the request id');
}

function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- acting as people --------------------------------------------------------------------------

async function rotate(w: World): Promise<SlackMessage> {
  const ack = await w.slack.driver.slashCommand({
    userId: admin,
    channelId: secops,
    text: 'keys rotate quarterly',
  });
  expect(ack.status).toBe(200);
  return cardWhen(w, 'Waiting for an approver');
}

function click(w: World, userId: string, actionId: string) {
  const c = card(w);
  if (!c) throw new Error('no card');
  return w.slack.driver.blockAction({ userId, channelId: secops, messageTs: c.ts, actionId });
}

async function approved(w: World): Promise<SlackMessage> {
  await rotate(w);
  await click(w, approver, ACTION_IDS.approveRotation);
  return cardWhen(w, 'Approved by');
}

/** Rotate, approve, open the code modal: the form the requester types into. */
async function codeForm(w: World): Promise<EmulatedView> {
  await approved(w);
  await click(w, admin, ACTION_IDS.enterCode);
  return eventually(() => {
    const v = w.slack.openView(admin);
    return isForm(v) ? v : undefined;
  });
}

function submitCode(w: World, view: EmulatedView, code: string) {
  return w.slack.driver.viewSubmission({
    userId: admin,
    viewId: view.id,
    values: { [INPUT_IDS.otp.block]: code },
  });
}

function wrongCodeFor(w: World): string {
  return w.sims.cloudknox.lastOtp() === '000000' ? '111111' : '000000';
}

// ---- checking the outside world ----------------------------------------------------------------

async function authenticates(w: World, accessKey: string): Promise<boolean> {
  return CloudKnoxClient.verifyCredentials(w.sims.cloudknox.url, {
    serviceAccountId: w.sims.cloudknox.serviceAccountId,
    accessKey,
    secretKey: w.sims.cloudknox.secretKeyOf(accessKey) ?? '',
  }).then(
    () => true,
    () => false,
  );
}

interface Before {
  oldKey: string;
  oldSecret: string;
  modCount: number;
}

function snapshot(w: World): Before {
  const oldKey = w.sims.cloudknox.activeKey()!.accessKey;
  return {
    oldKey,
    oldSecret: w.sims.cloudknox.secretKeyOf(oldKey)!,
    modCount: w.sims.servicenow.configRecord()!.sys_mod_count,
  };
}

/** The old key still works and is still what ServiceNow holds; any new key is revoked. */
async function expectOldKeyKept(w: World, before: Before, opts: { newKeyCreated: boolean }) {
  const record = w.sims.servicenow.configRecord()!;
  expect(record.access_key).toBe(before.oldKey);
  expect(record.secret_key).toBe(before.oldSecret);
  expect(await authenticates(w, before.oldKey)).toBe(true);
  const keys = w.sims.cloudknox.keys();
  expect(keys.filter((k) => k.status === 'ACTIVE').map((k) => k.accessKey)).toEqual([before.oldKey]);
  const others = keys.filter((k) => k.accessKey !== before.oldKey);
  if (opts.newKeyCreated) {
    expect(others).toHaveLength(1);
    expect(others[0]!.status).toBe('REVOKED');
    expect(await authenticates(w, others[0]!.accessKey)).toBe(false);
    return others[0]!.accessKey;
  }
  expect(others).toEqual([]);
  return undefined;
}

async function auditEvents(w: World) {
  const log = new StoreAuditLog(w.bot.store, createLogger({ level: 'silent' }));
  return (await log.recent(500)).reverse();
}

const mask = (key: string) => `••••${key.slice(-4)}`;

describe('a rotation that fails part-way keeps the old key (acceptance 2)', () => {
  it('ServiceNow refuses the write (403): rolled back, new key revoked, the step named', async () => {
    const w = await start();
    const before = snapshot(w);
    const form = await codeForm(w);
    w.sims.servicenow.faults.status = { code: 403, method: 'PATCH' };
    const ack = await submitCode(w, form, w.sims.cloudknox.lastOtp()!);
    expect(ack.timedOut).toBe(false);
    const c = await cardWhen(w, 'Rolled back');
    expect(visibleText(c)).toContain('failed while writing the new key into ServiceNow');
    const newKey = await expectOldKeyKept(w, before, { newKeyCreated: true });
    // ServiceNow's record is as it was (not even rewritten with the same values).
    expect(w.sims.servicenow.configRecord()!.sys_mod_count).toBe(before.modCount);
    const result = await eventually(() => results(w).at(-1));
    expect(visibleText(result)).toContain('failed while writing the new key into ServiceNow');
    expect(visibleText(result)).toContain(
      `The old key ${mask(before.oldKey)} still works and ServiceNow still uses it`,
    );
    expect(visibleText(result)).toContain(`The new key ${mask(newKey!)} was revoked`);
    expect(buttons(c)).toEqual([]);
    await eventually(() => (viewText(w.slack.view(form.id)).includes('Rolled back') ? true : undefined));
  });

  it('ServiceNow write times out: the bot looks, sees the old key, and rolls back', async () => {
    const w = await start({ tuning: { upstreamTimeoutMs: 1000 } });
    const before = snapshot(w);
    const form = await codeForm(w);
    w.sims.servicenow.faults.hang = { method: 'PATCH' };
    const seen = w.sims.servicenow.requests.length;
    await submitCode(w, form, w.sims.cloudknox.lastOtp()!);
    const c = await cardWhen(w, 'Rolled back');
    expect(visibleText(c)).toContain('failed while writing the new key into ServiceNow');
    expect(visibleText(c)).toMatch(/did not answer|timed? ?out|TIMEOUT/i);
    await expectOldKeyKept(w, before, { newKeyCreated: true });
    // The hung PATCH never reached the record; the bot read the record before the write and again
    // after the timeout, before undoing anything.
    const after = w.sims.servicenow.requests.slice(seen);
    expect(after.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(
      after.filter((r) => r.method === 'GET' && r.path.includes(w.sims.servicenow.configTableName)).length,
    ).toBe(2);
    expect(w.sims.servicenow.configRecord()!.sys_mod_count).toBe(before.modCount);
    expect(visibleText(await eventually(() => results(w).at(-1)))).toContain('Rolled back');
  });

  it('the new key does not authenticate: ServiceNow never touched, new key revoked', async () => {
    const w = await start();
    const before = snapshot(w);
    const form = await codeForm(w);
    // The bot's own session is established; the next authentication is the check of the new key.
    w.sims.cloudknox.failNext('authenticate', {
      status: 401,
      errorCode: 'AUTHENTICATION_FAILED',
      message: 'Invalid service account credentials',
    });
    await submitCode(w, form, w.sims.cloudknox.lastOtp()!);
    const c = await cardWhen(w, 'Rolled back');
    expect(visibleText(c)).toContain(
      'failed while checking that the new key authenticates against CloudKnox',
    );
    // The bot's check of the new key was the one refused (before the checks below authenticate too).
    const refusedLogins = w.sims.cloudknox.requests.filter(
      (r) => r.endpoint === 'authenticate' && r.status === 401,
    );
    expect(refusedLogins).toHaveLength(1);
    await expectOldKeyKept(w, before, { newKeyCreated: true });
    expect(w.sims.servicenow.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(w.sims.servicenow.configRecord()!.sys_mod_count).toBe(before.modCount);
    expect(visibleText(await eventually(() => results(w).at(-1)))).toContain('was revoked');
  });

  it('CloudKnox fails to create the key (500): nothing changed, the user told in the modal, the request still waits for the code', async () => {
    const w = await start();
    const before = snapshot(w);
    const form = await codeForm(w);
    w.sims.cloudknox.failNext('createKey', {
      status: 500,
      errorCode: 'INTERNAL_ERROR',
      message: 'Internal server error',
    });
    const ack = await submitCode(w, form, w.sims.cloudknox.lastOtp()!);
    expect(ack.json).toMatchObject({ response_action: 'errors' });
    const error = w.slack.viewErrors(form.id)?.[INPUT_IDS.otp.block] ?? '';
    expect(error).toContain('CloudKnox did not confirm a new key');
    expect(error).toContain('keys show'); // how to check whether CloudKnox created one anyway
    expect(error).toMatch(/create key|creat(e|ing) the (new )?key/i);
    expect(error).toContain('500');
    await expectOldKeyKept(w, before, { newKeyCreated: false });
    expect(w.sims.servicenow.configRecord()!.sys_mod_count).toBe(before.modCount);
    // The request still waits for the code: the card still offers it, nothing was posted as a result.
    expect(visibleText(card(w))).toContain('Code sent');
    expect(buttons(card(w))).toEqual([ACTION_IDS.enterCode]);
    expect(results(w)).toEqual([]);
  });
});

describe('races decide once (acceptance 3)', () => {
  it('two approvers click Approve together: one decision, the other told who; then a double-clicked Verify rotates once', async () => {
    const w = await start();
    const before = snapshot(w);
    await rotate(w);
    const c = card(w)!;
    const clicks = await Promise.all(
      [approver, approver2].map((userId) =>
        w.slack.driver.blockAction({
          userId,
          channelId: secops,
          messageTs: c.ts,
          actionId: ACTION_IDS.approveRotation,
        }),
      ),
    );
    expect(clicks.map((r) => r.status)).toEqual([200, 200]);
    const decided = await cardWhen(w, 'Approved by');
    const winner = visibleText(decided).includes(`Approved by <@${approver}>`) ? approver : approver2;
    const loser = winner === approver ? approver2 : approver;
    expect(visibleText(decided)).not.toContain(`<@${loser}>`);
    const told = await eventually(() => ephemeralTo(w, loser, 'Already approved by'));
    expect(visibleText(told)).toContain(`Already approved by <@${winner}>`);
    expect(ephemeralTo(w, winner, 'Already approved')).toBeUndefined();
    const id = requestIdOf(decided);
    const approvals = (await auditEvents(w)).filter((e) => e.requestId === id && e.action === 'approve');
    expect(approvals).toEqual([expect.objectContaining({ actor: winner, state: 'approved' })]);

    // The requester double-clicks Verify with the right code.
    await click(w, admin, ACTION_IDS.enterCode);
    const form = await eventually(() => {
      const v = w.slack.openView(admin);
      return isForm(v) ? v : undefined;
    });
    const code = w.sims.cloudknox.lastOtp()!;
    const acks = await Promise.all([submitCode(w, form, code), submitCode(w, form, code)]);
    for (const ack of acks) expect(ack.timedOut).toBe(false);
    // One click took the code; the other was told a code is being checked (not a second key).
    expect(acks.filter((a) => a.body.includes('Code accepted'))).toHaveLength(1);
    await cardWhen(w, 'Rotated');
    await eventually(() => (viewText(w.slack.view(form.id)).includes('Rotated') ? true : undefined));
    await wait(300); // anything a second rotation would do has had time to happen
    const keys = w.sims.cloudknox.keys();
    expect(keys).toHaveLength(2);
    const fresh = keys.find((k) => k.accessKey !== before.oldKey)!;
    expect(fresh.status).toBe('ACTIVE');
    expect(keys.find((k) => k.accessKey === before.oldKey)!.status).toBe('REVOKED');
    expect(
      w.sims.cloudknox.requests.filter((r) => r.endpoint === 'createKey' && r.status === 201),
    ).toHaveLength(1);
    expect(w.sims.servicenow.configRecord()!.access_key).toBe(fresh.accessKey);
    expect(w.sims.servicenow.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(results(w).filter((m) => visibleText(m).includes('Rotated'))).toHaveLength(1);
    const events = (await auditEvents(w)).filter((e) => e.requestId === id);
    expect(events.filter((e) => e.action === 'key_created')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'rotated')).toHaveLength(1);
  });
});

describe('refusals, each with its own words (acceptance 4)', () => {
  /** Moves a stored request's deadline into the past: the same as waiting out its TTL. */
  async function timeRunsOut(w: World, id: string): Promise<void> {
    const repo = new StoreRotationRepository(w.bot.store);
    const cur = (await repo.get(id))!;
    expect(await repo.replace(cur, { ...cur, expiresAt: Date.now() - 1000, version: cur.version + 1 })).toBe(
      true,
    );
  }

  it('an expired request: Approve is answered with the expiry and the card says Expired', async () => {
    const w = await start({ env: { ROTATION_REQUEST_TTL_MINUTES: '1' } });
    const requested = await rotate(w);
    await timeRunsOut(w, requestIdOf(requested));
    await click(w, approver, ACTION_IDS.approveRotation);
    const told = await eventually(() => ephemeralTo(w, approver, 'expired'));
    expect(visibleText(told)).toMatch(
      /This request expired at .*; nothing was changed\. Start a new one with `\/cloudknox keys rotate`/,
    );
    const c = await cardWhen(w, 'Expired');
    expect(buttons(c)).toEqual([]);
    expect(visibleText(c)).not.toContain('Approved by');
    expect(w.sims.cloudknox.outbox).toEqual([]);
  });

  it('a request that expires after approval: Enter verification code says so and no code is emailed', async () => {
    const w = await start();
    const c = await approved(w);
    await timeRunsOut(w, requestIdOf(c));
    await click(w, admin, ACTION_IDS.enterCode);
    const view = await eventually(() => {
      const v = w.slack.openView(admin);
      return viewText(v).includes('expired') ? v : undefined;
    });
    expect(viewText(view)).toContain('nothing was changed');
    expect(isForm(view)).toBe(false);
    expect(w.sims.cloudknox.outbox).toEqual([]);
    expect(buttons(await cardWhen(w, 'Expired'))).toEqual([]);
  });

  it('a denied request: Deny asks for a reason, the card shows who and why, a later Approve is told', async () => {
    const w = await start();
    await rotate(w);
    // An outsider's click (refused, changes nothing) is the Approve click a lagging client replays below.
    const outsiderClick = await click(w, outsider, ACTION_IDS.approveRotation);
    await eventually(() => ephemeralTo(w, outsider, 'approve'));
    await click(w, approver, ACTION_IDS.denyRotation);
    const modal = await eventually(() => w.slack.openView(approver));
    expect(viewText(modal)).toContain('Deny');
    const sub = await w.slack.driver.viewSubmission({
      userId: approver,
      viewId: modal.id,
      values: { [INPUT_IDS.denyReason.block]: 'not during the freeze' },
    });
    expect(sub.timedOut).toBe(false);
    const denied = await cardWhen(w, 'Denied by');
    expect(visibleText(denied)).toContain(`Denied by <@${approver}>*: “not during the freeze”`);
    expect(buttons(denied)).toEqual([]);

    // A second approver whose Slack still shows the old card clicks Approve.
    const user = w.slack.workspace.users.get(approver2)!;
    const payload = structuredClone(outsiderClick.payload) as Record<string, unknown> & {
      user: Record<string, unknown>;
    };
    payload.user = { ...payload.user, id: user.id, username: user.name, name: user.name };
    payload.trigger_id = w.slack.mintTrigger(approver2, { channelId: secops });
    payload.response_url = w.slack.mintResponseUrl(approver2, secops, denied.ts);
    const late = await w.slack.driver.signedPost(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    );
    expect(late.status).toBe(200);
    const told = await eventually(() => ephemeralTo(w, approver2, 'Already denied'));
    expect(visibleText(told)).toContain(`Already denied by <@${approver}>`);
    expect(visibleText(card(w))).toContain('Denied by');
    expect(visibleText(card(w))).not.toContain('Approved by');
  });

  it('someone other than the requester presses Enter verification code: told who may, no modal, no email', async () => {
    const w = await start();
    await approved(w);
    const viewsBefore = w.slack.views().size;
    await click(w, approver, ACTION_IDS.enterCode);
    const told = await eventually(() => ephemeralTo(w, approver, 'can enter the verification code'));
    expect(visibleText(told)).toContain(
      `Only <@${admin}>, who asked for this rotation, can enter the verification code`,
    );
    await wait(200);
    expect(w.slack.openView(approver)).toBeUndefined();
    expect(w.slack.views().size).toBe(viewsBefore);
    expect(w.slack.calls.filter((c) => c.method === 'views.open')).toEqual([]);
    expect(w.sims.cloudknox.outbox).toEqual([]);
    expect(w.sims.cloudknox.requests.filter((r) => r.endpoint === 'requestOtp')).toEqual([]);
  });

  it('five wrong codes: attempts count down in the modal, the fifth fails the request, nothing changes', async () => {
    const w = await start();
    const before = snapshot(w);
    const form = await codeForm(w);
    const wrong = wrongCodeFor(w);
    for (const left of [4, 3, 2, 1]) {
      const ack = await submitCode(w, form, wrong);
      expect(ack.json).toMatchObject({ response_action: 'errors' });
      expect(w.slack.viewErrors(form.id)?.[INPUT_IDS.otp.block]).toBe(
        `That code is not right. ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`,
      );
    }
    const fifth = await submitCode(w, form, wrong);
    expect(fifth.json).toMatchObject({ response_action: 'update' });
    const view = w.slack.view(form.id);
    expect(viewText(view)).toContain('Five wrong codes: this request has failed and nothing was changed');
    expect(isForm(view)).toBe(false);
    const c = await cardWhen(w, 'Not rotated');
    expect(visibleText(c)).toContain('failed while creating the new key in CloudKnox');
    expect(visibleText(c)).toContain('No new key was created');
    expect(buttons(c)).toEqual([]);
    await expectOldKeyKept(w, before, { newKeyCreated: false });
    expect(w.sims.servicenow.configRecord()!.sys_mod_count).toBe(before.modCount);
  });

  it('Resend OTP too soon: the modal says to wait, the code already sent still stands', async () => {
    const w = await start();
    const form = await codeForm(w);
    const first = w.sims.cloudknox.lastOtp();
    const updatesBefore = w.slack.view(form.id)!.updates;
    await w.slack.driver.blockAction({ userId: admin, viewId: form.id, actionId: ACTION_IDS.resendCode });
    const view = await eventually(() => {
      const v = w.slack.view(form.id);
      return v && v.updates > updatesBefore ? v : undefined;
    });
    expect(viewText(view)).toMatch(/Wait \d+ s before asking for another code; the last one is still valid/);
    expect(isForm(view)).toBe(true);
    expect(w.sims.cloudknox.outbox).toHaveLength(1);
    expect(w.sims.cloudknox.lastOtp()).toBe(first);
  });
});

describe('Slack time limits with CloudKnox slow (acceptance 5)', () => {
  it('Enter verification code opens the modal before the slow CloudKnox call, then fills it in', async () => {
    const w = await start();
    await approved(w);
    w.sims.cloudknox.faults.latencyMs = 4000;
    w.sims.cloudknox.faults.latencyMatch = '/keys/otp';
    const clicked = Date.now();
    const res = await click(w, admin, ACTION_IDS.enterCode);
    expect(res.timedOut).toBe(false);
    const open = await w.slack.waitFor((c) => c.method === 'views.open', 3000);
    expect(open.response.ok).toBe(true);
    const loading = w.slack.openView(admin)!;
    expect(viewText(loading)).toContain('Asking CloudKnox to email a code');
    expect(w.sims.cloudknox.outbox).toEqual([]); // CloudKnox has not answered yet
    const form = await eventually(() => {
      const v = w.slack.openView(admin);
      return isForm(v) ? v : undefined;
    }, 10_000);
    expect(Date.now() - clicked).toBeGreaterThanOrEqual(3500); // the form came after the slow call...
    expect(form.id).toBe(loading.id); // ...into the modal opened at once
    expect(viewText(form)).toContain('s•••@contoso.com');
    expect(w.sims.cloudknox.outbox).toHaveLength(1);
  }, 20_000);

  it('Verify with CloudKnox slower than 2 s: acked within 3 s, the modal shows the outcome later', async () => {
    const w = await start();
    const form = await codeForm(w);
    w.sims.cloudknox.faults.latencyMs = 2500;
    w.sims.cloudknox.faults.latencyMatch = '/integrations/servicenow/keys';
    const ack = await submitCode(w, form, w.sims.cloudknox.lastOtp()!);
    expect(ack.timedOut).toBe(false);
    expect(ack.status).toBe(200);
    expect(ack.ackMs).toBeLessThan(3000);
    expect(ack.json).toMatchObject({ response_action: 'update' });
    expect(viewText(w.slack.view(form.id))).toContain('Checking the code with CloudKnox');
    w.sims.cloudknox.faults.latencyMs = 0; // the rest of the rotation at normal speed
    const done = await eventually(() => {
      const v = w.slack.view(form.id);
      return viewText(v).includes('Rotated') ? v : undefined;
    }, 12_000);
    expect(viewText(done)).toContain('ServiceNow now uses');
    expect(w.sims.servicenow.configRecord()!.access_key).toBe(w.sims.cloudknox.activeKey()!.accessKey);
  }, 20_000);
});
