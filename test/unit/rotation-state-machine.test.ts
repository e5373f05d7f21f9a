import { describe, expect, it } from 'vitest';
import {
  FINAL_STATES,
  MAX_WRONG_CODES,
  type OtpInfo,
  type RotationRequest,
  type RotationState,
} from '../../src/flows/rotation/request.js';
import {
  transition,
  type RotationEvent,
  type TransitionResult,
} from '../../src/flows/rotation/state-machine.js';

/** DESIGN §4.2: every transition of the pure rotation state machine, and every refusal. */
const T0 = 1_000_000;
const TTL = 30 * 60_000;
const REQUESTER = 'U0ADMIN001';
const APPROVER = 'U0APPROV01';
const APPROVER2 = 'U0APPROV02';

const OTP: OtpInfo = {
  otpRequestId: 'otp-1',
  sentTo: 's•••@contoso.com',
  expiresAt: new Date(T0 + 5 * 60_000).toISOString(),
  resendAfter: new Date(T0 + 30_000).toISOString(),
};

function requested(over: Partial<RotationRequest> = {}): RotationRequest {
  return {
    id: 'rot_1',
    state: 'requested',
    version: 1,
    requestedBy: REQUESTER,
    reason: 'quarterly',
    channel: 'C0SECOPS01',
    createdAt: T0,
    expiresAt: T0 + TTL,
    approval: 'required',
    oldAccessKey: 'AKCK7Q2M9XW4PL8ZBHCN',
    wrongCodes: 0,
    ...over,
  };
}

/** Applies an event that must succeed and checks the version went up by exactly one. */
function step(req: RotationRequest, event: RotationEvent): RotationRequest {
  const r = transition(req, event);
  if (!r.ok) throw new Error(`expected ${event.type} to apply to ${req.state}, got ${r.refusal}`);
  expect(r.next.version).toBe(req.version + 1);
  return r.next;
}

function refused(r: TransitionResult): string {
  if (r.ok) throw new Error(`expected a refusal, got state ${r.next.state}`);
  return r.refusal;
}

const approvedReq = () => step(requested(), { type: 'approve', by: APPROVER, at: T0 + 1000, ttlMs: TTL });
const pendingReq = () => step(approvedReq(), { type: 'code_sent', otp: OTP, at: T0 + 2000 });
const rotatingReq = () =>
  step(pendingReq(), { type: 'key_created', newAccessKey: 'AKCKNEWNEWNEWNEWWXYZ', at: T0 + 3000 });

describe('rotation state machine: approval', () => {
  it('an approver approves: approved, who and when recorded, the expiry restarts from the approval', () => {
    const at = T0 + 20 * 60_000; // the approver took 20 of the 30 minutes
    const next = step(requested(), { type: 'approve', by: APPROVER, at, ttlMs: TTL });
    expect(next).toMatchObject({
      state: 'approved',
      approvedBy: APPROVER,
      decidedAt: at,
      expiresAt: at + TTL,
    });
    expect(next.deniedBy).toBeUndefined();
  });

  it('refuses self approval and leaves the request as it was', () => {
    const req = requested();
    const before = structuredClone(req);
    expect(refused(transition(req, { type: 'approve', by: REQUESTER, at: T0 + 1, ttlMs: TTL }))).toBe(
      'self_approval',
    );
    expect(req).toEqual(before);
  });

  it('first decision wins: a second approve or a deny after it is already_decided', () => {
    const approved = approvedReq();
    expect(refused(transition(approved, { type: 'approve', by: APPROVER2, at: T0 + 2, ttlMs: TTL }))).toBe(
      'already_decided',
    );
    expect(refused(transition(approved, { type: 'deny', by: APPROVER2, at: T0 + 2 }))).toBe(
      'already_decided',
    );
    const denied = step(requested(), { type: 'deny', by: APPROVER2, at: T0 + 1 });
    expect(refused(transition(denied, { type: 'approve', by: APPROVER, at: T0 + 2, ttlMs: TTL }))).toBe(
      'already_decided',
    );
    expect(refused(transition(denied, { type: 'deny', by: APPROVER, at: T0 + 2 }))).toBe('already_decided');
  });

  it('deny records who, why and when, and is final', () => {
    const at = T0 + 5000;
    const next = step(requested(), { type: 'deny', by: APPROVER, at, reason: 'not this week' });
    expect(next).toMatchObject({
      state: 'denied',
      deniedBy: APPROVER,
      denyReason: 'not this week',
      decidedAt: at,
      finishedAt: at,
    });
    expect(next.approvedBy).toBeUndefined();
    expect(FINAL_STATES).toContain(next.state);
  });

  it('a deny without a reason keeps no reason', () => {
    const next = step(requested(), { type: 'deny', by: APPROVER, at: T0 + 1 });
    expect(next.denyReason).toBeUndefined();
  });
});

describe('rotation state machine: expiry', () => {
  it('before approval: a click at or after expiresAt is refused as expired, one just before is taken', () => {
    const req = requested();
    expect(refused(transition(req, { type: 'approve', by: APPROVER, at: req.expiresAt, ttlMs: TTL }))).toBe(
      'expired',
    );
    expect(refused(transition(req, { type: 'deny', by: APPROVER, at: req.expiresAt + 1 }))).toBe('expired');
    const inTime = step(req, { type: 'approve', by: APPROVER, at: req.expiresAt - 1, ttlMs: TTL });
    expect(inTime.expiresAt).toBe(req.expiresAt - 1 + TTL);
  });

  it('expire applies to requested, approved and otp_pending once their time is up', () => {
    for (const req of [requested(), approvedReq(), pendingReq()]) {
      const at = req.expiresAt + 10;
      const next = step(req, { type: 'expire', at });
      expect(next).toMatchObject({ state: 'expired', finishedAt: at });
    }
  });

  it('expire before the time is up is refused and changes nothing', () => {
    const req = approvedReq();
    const r = transition(req, { type: 'expire', at: req.expiresAt - 1 });
    expect(r.ok).toBe(false);
  });

  it('after approval: the extended window applies; events past it are refused as expired', () => {
    const approved = approvedReq();
    expect(approved.expiresAt).toBe(T0 + 1000 + TTL);
    // Inside the original window's end but within the extension: still fine.
    step(approved, { type: 'code_sent', otp: OTP, at: T0 + TTL + 500 });
    expect(refused(transition(approved, { type: 'code_sent', otp: OTP, at: approved.expiresAt }))).toBe(
      'expired',
    );
    const pending = pendingReq();
    expect(refused(transition(pending, { type: 'wrong_code', at: pending.expiresAt + 1 }))).toBe('expired');
    expect(refused(transition(pending, { type: 'code_refused', at: pending.expiresAt, text: 'x' }))).toBe(
      'expired',
    );
  });

  it('key_created is taken past expiry: a right code entered in time must finish its rotation', () => {
    const pending = pendingReq();
    const next = step(pending, {
      type: 'key_created',
      newAccessKey: 'AKCKNEWNEWNEWNEWWXYZ',
      at: pending.expiresAt + 60_000,
    });
    expect(next).toMatchObject({ state: 'rotating', newAccessKey: 'AKCKNEWNEWNEWNEWWXYZ' });
  });

  it('a rotating request never expires and its outcome is recorded after the deadline', () => {
    const rotating = rotatingReq();
    const late = rotating.expiresAt + 3_600_000;
    expect(transition(rotating, { type: 'expire', at: late }).ok).toBe(false);
    expect(step(rotating, { type: 'rotated', at: late, oldKeyStillActive: false }).state).toBe('rotated');
  });

  it('an expired request answers expired to decisions (not already_decided)', () => {
    const expired = step(requested(), { type: 'expire', at: T0 + TTL });
    expect(
      refused(transition(expired, { type: 'approve', by: APPROVER, at: T0 + TTL + 1, ttlMs: TTL })),
    ).toBe('expired');
    expect(refused(transition(expired, { type: 'deny', by: APPROVER, at: T0 + TTL + 1 }))).toBe('expired');
    expect(refused(transition(expired, { type: 'expire', at: T0 + TTL + 1 }))).toBe('expired');
  });
});

describe('rotation state machine: the code', () => {
  it('code_sent moves approved to otp_pending with the challenge; a resend replaces it', () => {
    const pending = pendingReq();
    expect(pending).toMatchObject({ state: 'otp_pending', otp: OTP });
    const again = { ...OTP, otpRequestId: 'otp-1', expiresAt: new Date(T0 + 9 * 60_000).toISOString() };
    const resent = step(pending, { type: 'code_sent', otp: again, at: T0 + 40_000 });
    expect(resent).toMatchObject({ state: 'otp_pending', otp: again });
  });

  it('no code before approval', () => {
    expect(refused(transition(requested(), { type: 'code_sent', otp: OTP, at: T0 + 1 }))).toBe(
      'not_approved',
    );
  });

  it('wrong codes count up; the fifth fails the request at the create_key step', () => {
    let req = pendingReq();
    for (let i = 1; i < MAX_WRONG_CODES; i++) {
      req = step(req, { type: 'wrong_code', at: T0 + 3000 + i });
      expect(req).toMatchObject({ state: 'otp_pending', wrongCodes: i });
    }
    const at = T0 + 9999;
    const failed = step(req, { type: 'wrong_code', at });
    expect(MAX_WRONG_CODES).toBe(5);
    expect(failed).toMatchObject({
      state: 'failed',
      wrongCodes: 5,
      failedStep: 'create_key',
      failureText: '5 wrong codes',
      finishedAt: at,
    });
    expect(failed.newAccessKey).toBeUndefined();
    expect(refused(transition(failed, { type: 'wrong_code', at: at + 1 }))).toBe('not_waiting_for_code');
  });

  it('wrong codes and code refusals only apply while a code is awaited', () => {
    expect(refused(transition(approvedReq(), { type: 'wrong_code', at: T0 + 2 }))).toBe(
      'not_waiting_for_code',
    );
    expect(refused(transition(approvedReq(), { type: 'code_refused', at: T0 + 2, text: 'x' }))).toBe(
      'not_waiting_for_code',
    );
    expect(refused(transition(approvedReq(), { type: 'key_created', newAccessKey: 'AK', at: T0 + 2 }))).toBe(
      'not_waiting_for_code',
    );
  });

  it('CloudKnox refusing further codes fails the request with its words', () => {
    const next = step(pendingReq(), {
      type: 'code_refused',
      at: T0 + 5000,
      text: 'CloudKnox refused further codes',
    });
    expect(next).toMatchObject({
      state: 'failed',
      failedStep: 'create_key',
      failureText: 'CloudKnox refused further codes',
      finishedAt: T0 + 5000,
    });
  });

  it('key_created moves otp_pending to rotating, recording the new access key', () => {
    const r = rotatingReq();
    expect(r).toMatchObject({ state: 'rotating', newAccessKey: 'AKCKNEWNEWNEWNEWWXYZ' });
    expect(r.finishedAt).toBeUndefined();
  });
});

describe('rotation state machine: the rotation outcome', () => {
  it('rotated, with the old key revoked', () => {
    const next = step(rotatingReq(), { type: 'rotated', at: T0 + 9000, oldKeyStillActive: false });
    expect(next).toMatchObject({ state: 'rotated', finishedAt: T0 + 9000 });
    expect(next.oldKeyStillActive).toBeUndefined();
  });

  it('rotated, with the old key still active', () => {
    const next = step(rotatingReq(), { type: 'rotated', at: T0 + 9000, oldKeyStillActive: true });
    expect(next).toMatchObject({ state: 'rotated', oldKeyStillActive: true });
  });

  it('rolled back, naming the step and whether the new key was revoked', () => {
    const next = step(rotatingReq(), {
      type: 'rolled_back',
      step: 'write_servicenow',
      text: 'SERVICENOW_FORBIDDEN: 403',
      newKeyRevoked: true,
      at: T0 + 9000,
    });
    expect(next).toMatchObject({
      state: 'rolled_back',
      failedStep: 'write_servicenow',
      failureText: 'SERVICENOW_FORBIDDEN: 403',
      newKeyRevoked: true,
      finishedAt: T0 + 9000,
    });
    const unrevoked = step(rotatingReq(), {
      type: 'rolled_back',
      step: 'verify_new_key',
      text: 'x',
      newKeyRevoked: false,
      at: T0 + 9000,
    });
    expect(unrevoked.newKeyRevoked).toBe(false);
  });

  it('failed, naming the step', () => {
    const next = step(rotatingReq(), {
      type: 'failed',
      step: 'write_servicenow',
      text: 'unknown',
      at: T0 + 9000,
    });
    expect(next).toMatchObject({ state: 'failed', failedStep: 'write_servicenow', finishedAt: T0 + 9000 });
  });

  it('outcomes apply only to a rotating request', () => {
    for (const req of [requested(), approvedReq(), pendingReq()]) {
      expect(refused(transition(req, { type: 'rotated', at: T0 + 5000, oldKeyStillActive: false }))).toBe(
        'not_rotating',
      );
      expect(
        refused(
          transition(req, {
            type: 'rolled_back',
            step: 'verify_new_key',
            text: 'x',
            newKeyRevoked: true,
            at: T0 + 5000,
          }),
        ),
      ).toBe('not_rotating');
      expect(
        refused(transition(req, { type: 'failed', step: 'write_servicenow', text: 'x', at: T0 + 5000 })),
      ).toBe('not_rotating');
    }
  });

  it('a rotating request cannot be decided, sent a code or given another code', () => {
    const r = rotatingReq();
    expect(transition(r, { type: 'approve', by: APPROVER2, at: T0 + 5000, ttlMs: TTL }).ok).toBe(false);
    expect(transition(r, { type: 'deny', by: APPROVER2, at: T0 + 5000 }).ok).toBe(false);
    expect(transition(r, { type: 'code_sent', otp: OTP, at: T0 + 5000 }).ok).toBe(false);
    expect(transition(r, { type: 'wrong_code', at: T0 + 5000 }).ok).toBe(false);
    expect(transition(r, { type: 'key_created', newAccessKey: 'AKX', at: T0 + 5000 }).ok).toBe(false);
  });
});

describe('rotation state machine: final states refuse everything', () => {
  const finals: Record<string, () => RotationRequest> = {
    rotated: () => step(rotatingReq(), { type: 'rotated', at: T0 + 9000, oldKeyStillActive: false }),
    denied: () => step(requested(), { type: 'deny', by: APPROVER, at: T0 + 10 }),
    expired: () => step(requested(), { type: 'expire', at: T0 + TTL }),
    failed: () =>
      step(pendingReq(), { type: 'code_refused', at: T0 + 5000, text: 'CloudKnox refused further codes' }),
    rolled_back: () =>
      step(rotatingReq(), {
        type: 'rolled_back',
        step: 'verify_new_key',
        text: 'x',
        newKeyRevoked: true,
        at: T0 + 9000,
      }),
  };

  it('covers every final state', () => {
    expect(Object.keys(finals).sort()).toEqual([...FINAL_STATES].sort());
  });

  // Times both inside the original window and long after it: neither revives a finished request.
  const events = (at: number): RotationEvent[] => [
    { type: 'approve', by: APPROVER2, at, ttlMs: TTL },
    { type: 'deny', by: APPROVER2, at },
    { type: 'expire', at },
    { type: 'code_sent', otp: OTP, at },
    { type: 'wrong_code', at },
    { type: 'code_refused', at, text: 'x' },
    { type: 'key_created', newAccessKey: 'AKCKANOTHERKEY000000', at },
    { type: 'rotated', at, oldKeyStillActive: false },
    { type: 'rolled_back', step: 'write_servicenow', text: 'x', newKeyRevoked: true, at },
    { type: 'failed', step: 'write_servicenow', text: 'x', at },
  ];

  it.each(Object.keys(finals))('%s refuses every event', (name) => {
    const req = finals[name]!();
    expect(req.state).toBe(name as RotationState);
    const before = structuredClone(req);
    for (const at of [T0 + 20_000, T0 + 10 * TTL]) {
      for (const ev of events(at)) {
        const r = transition(req, ev);
        expect(r.ok, `${name} took ${ev.type}`).toBe(false);
      }
    }
    expect(req).toEqual(before);
  });
});

describe('rotation state machine: versions', () => {
  it('every applied event bumps the version by one, and never mutates its input', () => {
    const chain: RotationEvent[] = [
      { type: 'approve', by: APPROVER, at: T0 + 1, ttlMs: TTL },
      { type: 'code_sent', otp: OTP, at: T0 + 2 },
      { type: 'wrong_code', at: T0 + 3 },
      { type: 'code_sent', otp: { ...OTP, otpRequestId: 'otp-2' }, at: T0 + 4 },
      { type: 'key_created', newAccessKey: 'AKCKNEWNEWNEWNEWWXYZ', at: T0 + 5 },
      { type: 'rotated', at: T0 + 6, oldKeyStillActive: false },
    ];
    let req = requested({ version: 7 });
    for (const [i, ev] of chain.entries()) {
      const frozen = structuredClone(req);
      const r = transition(req, ev);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.next.version).toBe(8 + i);
      expect(r.next).not.toBe(req);
      expect(req).toEqual(frozen);
      req = r.next;
    }
    expect(req).toMatchObject({
      state: 'rotated',
      version: 13,
      wrongCodes: 1,
      otp: { otpRequestId: 'otp-2' },
    });
  });

  it('a refusal returns no next request (nothing to store)', () => {
    const r = transition(requested(), { type: 'approve', by: REQUESTER, at: T0 + 1, ttlMs: TTL });
    expect(r).toEqual({ ok: false, refusal: 'self_approval' });
  });
});
