import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Integration, ServiceNowConfigRecord } from '../../src/flows/ports.js';
import type {
  AuditEvent,
  KeyAdminPort,
  NewKey,
  ServiceNowWriterPort,
} from '../../src/flows/rotation/ports.js';
import type { OtpInfo, RotationRequest } from '../../src/flows/rotation/request.js';
import { RotationService } from '../../src/flows/rotation/rotation-service.js';
import { createLogger } from '../../src/logging/logger.js';
import { createStore, type StateStore } from '../../src/store/index.js';
import { StoreAuditLog, StoreRotationRepository } from '../../src/store/rotation-repository-store.js';

/**
 * The rotation flow (DESIGN §4.2) over the real store-backed repository (memory store, real
 * compare-and-set and leases) with in-memory fakes of CloudKnox and ServiceNow that record what
 * they were asked.
 */
const REQUESTER = 'U0ADMIN001';
const APPROVER = 'U0APPROV01';
const APPROVER2 = 'U0APPROV02';
const TABLE = 'x_cloudknox_permissions_config';
const OLD_KEY = 'AKCK7Q2M9XW4PL8ZBHCN';
const OLD_SECRET = 'ck-secret-OLD-Rz8fQ2vLw9XmT4pK7nB1sYc6Hd3J';
const BOT_KEY = 'AKCKBOT5R8JN2VQ6TW3M';
const NEW_KEY = 'AKCKNEWK3YN3WK3Y1234';
const NEW_SECRET = 'ck-secret-NEW-Zq8Yt2Wm4Kp6Rn1Bv3Xc5Lh7Jd9';
const RIGHT_CODE = '482913';
const TTL = 30 * 60_000;

class UpstreamLikeError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly upstreamCode?: string,
    readonly attemptsLeft?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** CloudKnox as rotation sees it: one integration key, an emailed code, key create/revoke. */
class FakeCloudKnox implements KeyAdminPort {
  active = new Set([OLD_KEY]);
  revoked: string[] = [];
  created: NewKey[] = [];
  createCalls: Array<{ otpRequestId: string; otp: string }> = [];
  verified: string[] = [];
  otpRequests = 0;
  resends = 0;
  code = RIGHT_CODE;
  createDelayMs = 0;
  failVerify: Error | undefined;
  failCreate: Error | undefined;
  failRevoke = new Map<string, Error>();
  resendTooSoon: number | undefined;

  getIntegration(): Promise<Integration> {
    return Promise.resolve({
      endpoint: 'https://dev1.service-now.com',
      username: 'cloudknox.endpoint',
      passwordSet: true,
      apiEndpoint: 'https://app.cloudknox.io',
      createdBy: 'priya@contoso.com',
      createdOn: '2026-01-02T03:04:05Z',
      serviceAccountId: 'sa-1',
      accessKey: OLD_KEY,
    });
  }

  keyCreatedOn = new Map<string, string>();

  listKeys(): Promise<Array<{ accessKey: string; createdOn: string; status: string }>> {
    return Promise.resolve(
      [...this.active].map((accessKey) => ({
        accessKey,
        createdOn: this.keyCreatedOn.get(accessKey) ?? '2026-01-02T03:04:05Z',
        status: 'ACTIVE',
      })),
    );
  }

  private otp(): OtpInfo {
    return {
      otpRequestId: 'otp-1',
      sentTo: 's•••@contoso.com',
      expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      resendAfter: new Date(Date.now() + 30_000).toISOString(),
    };
  }

  requestKeyOtp(): Promise<OtpInfo> {
    this.otpRequests++;
    return Promise.resolve(this.otp());
  }

  resendKeyOtp(): Promise<OtpInfo> {
    if (this.resendTooSoon !== undefined)
      return Promise.reject(
        new UpstreamLikeError(
          'too soon',
          'UPSTREAM_RATE_LIMITED',
          'OTP_RESEND_TOO_SOON',
          undefined,
          this.resendTooSoon,
        ),
      );
    this.resends++;
    return Promise.resolve(this.otp());
  }

  async createKey(input: { otpRequestId: string; otp: string }): Promise<NewKey> {
    this.createCalls.push(input);
    if (this.createDelayMs) await delay(this.createDelayMs);
    if (this.failCreate) throw this.failCreate;
    if (input.otp !== this.code)
      throw new UpstreamLikeError('The code is not valid', 'CLOUDKNOX_REQUEST_REJECTED', 'OTP_INVALID', 9);
    const key = { serviceAccountId: 'sa-1', accessKey: NEW_KEY, secretKey: NEW_SECRET };
    this.created.push(key);
    this.active.add(NEW_KEY);
    return key;
  }

  revokeKey(accessKey: string): Promise<void> {
    const err = this.failRevoke.get(accessKey);
    if (err) return Promise.reject(err);
    this.revoked.push(accessKey);
    this.active.delete(accessKey);
    return Promise.resolve();
  }

  verifyCredentials(key: NewKey): Promise<void> {
    this.verified.push(key.accessKey);
    if (this.failVerify) return Promise.reject(this.failVerify);
    return Promise.resolve();
  }
}

/** ServiceNow's configuration record; the secret is kept only to check what was written. */
class FakeServiceNow implements ServiceNowWriterPort {
  record = {
    sysId: 'rec-1',
    apiEndpoint: 'https://app.cloudknox.io',
    serviceAccountId: 'sa-1',
    accessKey: OLD_KEY,
  };
  secret = OLD_SECRET;
  reads = 0;
  writes: Array<{ table: string; sysId: string; fields: { access_key?: string; secret_key?: string } }> = [];
  /** Fail the n-th read (1-based); 0 = never. */
  failReadNo = 0;
  readResult: 'record' | 'none' = 'record';
  /** 'reject': refused, nothing written; 'lost': written, but the answer never arrived. */
  writeFault: 'reject' | 'lost' | 'ignored' | undefined;

  getConfigRecord(table: string): Promise<ServiceNowConfigRecord | undefined> {
    expect(table).toBe(TABLE);
    this.reads++;
    if (this.reads === this.failReadNo)
      return Promise.reject(new UpstreamLikeError('ServiceNow timed out', 'UPSTREAM_TIMEOUT'));
    return Promise.resolve(this.readResult === 'none' ? undefined : { ...this.record });
  }

  updateConfigRecord(
    table: string,
    sysId: string,
    fields: { access_key?: string; secret_key?: string },
  ): Promise<ServiceNowConfigRecord> {
    this.writes.push({ table, sysId, fields });
    if (this.writeFault === 'reject')
      return Promise.reject(new UpstreamLikeError('HTTP 403 ACL', 'SERVICENOW_FORBIDDEN'));
    if (this.writeFault === 'ignored') return Promise.resolve({ ...this.record });
    if (fields.access_key) this.record.accessKey = fields.access_key;
    if (fields.secret_key) this.secret = fields.secret_key;
    if (this.writeFault === 'lost')
      return Promise.reject(new UpstreamLikeError('ServiceNow did not answer', 'UPSTREAM_TIMEOUT'));
    return Promise.resolve({ ...this.record });
  }
}

interface Harness {
  service: RotationService;
  ck: FakeCloudKnox;
  sn: FakeServiceNow;
  repo: StoreRotationRepository;
  audit: StoreAuditLog;
  logLines: string[];
  clock: { now: number };
}

let stores: StateStore[] = [];
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

async function harness(opts: { protectedAccessKey?: string } = {}): Promise<Harness> {
  const store = await createStore();
  stores.push(store);
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const repo = new StoreRotationRepository(store);
  const audit = new StoreAuditLog(store, logger);
  const ck = new FakeCloudKnox();
  const sn = new FakeServiceNow();
  const clock = { now: Date.now() };
  let n = 0;
  const service = new RotationService({
    repo,
    audit,
    keys: ck,
    servicenow: sn,
    configTable: TABLE,
    ttlMs: TTL,
    protectedAccessKey: opts.protectedAccessKey ?? BOT_KEY,
    now: () => clock.now,
    newId: () => `rot_test${++n}`,
  });
  return { service, ck, sn, repo, audit, logLines, clock };
}

async function requested(h: Harness): Promise<RotationRequest> {
  return h.service.request({
    requestedBy: REQUESTER,
    reason: 'quarterly',
    channel: 'C0SECOPS01',
    approval: 'required',
  });
}

async function pending(h: Harness): Promise<RotationRequest> {
  const req = await requested(h);
  const d = await h.service.decide(req.id, APPROVER, 'approve');
  expect(d.ok).toBe(true);
  const sent = await h.service.sendCode(req.id, REQUESTER);
  expect(sent.kind).toBe('sent');
  return (await h.service.get(req.id))!;
}

/** Up to the new key: returns the request in `rotating` and the key held in memory. */
async function withNewKey(h: Harness): Promise<{ req: RotationRequest; key: NewKey }> {
  const req = await pending(h);
  const v = await h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE);
  if (v.kind !== 'key_created') throw new Error(`expected key_created, got ${v.kind}`);
  expect(v.req.state).toBe('rotating');
  return { req: v.req, key: v.key };
}

async function auditOf(h: Harness, id: string): Promise<AuditEvent[]> {
  // recent() lists newest first.
  return (await h.audit.recent(1000)).filter((e) => e.requestId === id).reverse();
}

function expectNoSecrets(h: Harness, events: AuditEvent[]): void {
  const everything = JSON.stringify(events) + h.logLines.join('');
  for (const secret of [NEW_SECRET, OLD_SECRET, RIGHT_CODE]) expect(everything).not.toContain(secret);
}

describe('RotationService: first decision wins', () => {
  it('50 parallel approvals from two approvers: exactly one decides, the rest are told who did', async () => {
    const h = await harness();
    const req = await requested(h);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.service.decide(req.id, i % 2 ? APPROVER2 : APPROVER, 'approve')),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.req!.approvedBy;
    expect([APPROVER, APPROVER2]).toContain(winner);
    const losers = results.filter((r) => !r.ok);
    expect(losers).toHaveLength(49);
    for (const l of losers) {
      expect(l).toMatchObject({ ok: false, refusal: 'already_decided' });
      expect(l.req?.approvedBy).toBe(winner);
    }
    const stored = await h.service.get(req.id);
    expect(stored).toMatchObject({ state: 'approved', approvedBy: winner, version: 2 });
    const approvals = (await auditOf(h, req.id)).filter((e) => e.action === 'approve');
    expect(approvals).toEqual([expect.objectContaining({ actor: winner, state: 'approved' })]);
  });

  it('approve and deny racing: one decision, and the loser learns which', async () => {
    const h = await harness();
    const req = await requested(h);
    const [a, d] = await Promise.all([
      h.service.decide(req.id, APPROVER, 'approve'),
      h.service.decide(req.id, APPROVER2, 'deny', 'no'),
    ]);
    expect([a.ok, d.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? d : a;
    expect(loser).toMatchObject({ ok: false, refusal: 'already_decided' });
    const stored = (await h.service.get(req.id))!;
    expect(loser.req?.state).toBe(stored.state);
  });

  it('the requester cannot approve their own request; unknown ids are not_found', async () => {
    const h = await harness();
    const req = await requested(h);
    expect(await h.service.decide(req.id, REQUESTER, 'approve')).toMatchObject({
      ok: false,
      refusal: 'self_approval',
    });
    expect(await h.service.decide('rot_nope', APPROVER, 'approve')).toMatchObject({
      ok: false,
      refusal: 'not_found',
    });
    expect((await h.service.get(req.id))?.state).toBe('requested');
  });

  it('a decision after the deadline records the expiry and is refused as expired', async () => {
    const h = await harness();
    const req = await requested(h);
    h.clock.now = req.expiresAt + 1;
    const r = await h.service.decide(req.id, APPROVER, 'approve');
    expect(r).toMatchObject({ ok: false, refusal: 'expired', req: { state: 'expired' } });
    expect((await h.service.get(req.id))?.state).toBe('expired');
    expect((await auditOf(h, req.id)).map((e) => e.action)).toEqual(['requested', 'expired']);
  });
});

describe('RotationService: the code', () => {
  it('only the requester may ask for or enter the code; nothing reaches CloudKnox otherwise', async () => {
    const h = await harness();
    const req = await requested(h);
    await h.service.decide(req.id, APPROVER, 'approve');
    expect(await h.service.sendCode(req.id, APPROVER)).toMatchObject({
      kind: 'refused',
      refusal: 'not_requester',
    });
    expect(await h.service.verifyCode(req.id, APPROVER, RIGHT_CODE)).toMatchObject({
      kind: 'refused',
      refusal: 'not_requester',
    });
    expect(h.ck.otpRequests).toBe(0);
    expect(h.ck.createCalls).toEqual([]);
  });

  it('no code is sent before approval', async () => {
    const h = await harness();
    const req = await requested(h);
    expect(await h.service.sendCode(req.id, REQUESTER)).toMatchObject({
      kind: 'refused',
      refusal: 'not_approved',
    });
    expect(h.ck.otpRequests).toBe(0);
  });

  it('a second Enter verification code shows the code already sent instead of sending another', async () => {
    const h = await harness();
    const req = await pending(h);
    const again = await h.service.sendCode(req.id, REQUESTER);
    expect(again).toMatchObject({ kind: 'sent', reused: true });
    expect(h.ck.otpRequests).toBe(1);
  });

  it('resend too soon is reported with CloudKnox wait', async () => {
    const h = await harness();
    const req = await pending(h);
    h.ck.resendTooSoon = 27;
    expect(await h.service.resendCode(req.id, REQUESTER)).toMatchObject({
      kind: 'too_soon',
      retryAfterSeconds: 27,
    });
    h.ck.resendTooSoon = undefined;
    expect(await h.service.resendCode(req.id, REQUESTER)).toMatchObject({ kind: 'sent', reused: false });
    expect(h.ck.resends).toBe(1);
  });

  it('a code that is not six digits never reaches CloudKnox and costs no attempt', async () => {
    const h = await harness();
    const req = await pending(h);
    expect(await h.service.verifyCode(req.id, REQUESTER, '12ab')).toMatchObject({ kind: 'bad_format' });
    expect(h.ck.createCalls).toEqual([]);
    expect((await h.service.get(req.id))?.wrongCodes).toBe(0);
  });

  it('wrong codes count down to failure at the fifth; the right code is then refused', async () => {
    const h = await harness();
    const req = await pending(h);
    for (let left = 4; left >= 1; left--) {
      expect(await h.service.verifyCode(req.id, REQUESTER, '000000')).toMatchObject({
        kind: 'wrong_code',
        attemptsLeft: left,
      });
    }
    const fifth = await h.service.verifyCode(req.id, REQUESTER, '000000');
    expect(fifth).toMatchObject({
      kind: 'too_many_codes',
      req: { state: 'failed', failedStep: 'create_key' },
    });
    expect(await h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE)).toMatchObject({
      kind: 'refused',
      refusal: 'finished',
    });
    expect(h.ck.created).toEqual([]);
    expect(h.ck.createCalls).toHaveLength(5);
  });

  it('parallel Verify with the right code creates one key', async () => {
    const h = await harness();
    const req = await pending(h);
    h.ck.createDelayMs = 50;
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE)),
    );
    expect(h.ck.createCalls).toHaveLength(1);
    expect(h.ck.created).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'key_created')).toHaveLength(1);
    for (const o of outcomes.filter((x) => x.kind !== 'key_created'))
      expect(o).toMatchObject({ kind: 'refused', refusal: 'busy' });
    // Once the first is done, a late click finds the request past the code step.
    expect(await h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE)).toMatchObject({
      kind: 'refused',
      refusal: 'finished',
    });
    expect(h.ck.createCalls).toHaveLength(1);
  });

  it('a right code after the request expired creates nothing', async () => {
    const h = await harness();
    const req = await pending(h);
    h.clock.now = req.expiresAt;
    expect(await h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE)).toMatchObject({
      kind: 'refused',
      refusal: 'expired',
      req: { state: 'expired' },
    });
    expect(h.ck.createCalls).toEqual([]);
  });

  it('a request that expired after approval sends no email when the code is asked for', async () => {
    const h = await harness();
    const req = await requested(h);
    await h.service.decide(req.id, APPROVER, 'approve');
    h.clock.now = (await h.service.get(req.id))!.expiresAt + 1;
    const out = await h.service.sendCode(req.id, REQUESTER);
    expect(out).toMatchObject({ kind: 'refused', refusal: 'expired' });
    expect(h.ck.otpRequests).toBe(0);
    expect((await h.service.get(req.id))?.state).toBe('expired');
  });

  it('Resend OTP on a request whose time is up sends no email and marks it expired', async () => {
    const h = await harness();
    const req = await pending(h);
    h.clock.now = req.expiresAt;
    expect(await h.service.resendCode(req.id, REQUESTER)).toMatchObject({
      kind: 'refused',
      refusal: 'expired',
    });
    expect(h.ck.resends).toBe(0);
    expect((await h.service.get(req.id))?.state).toBe('expired');
  });
});

describe('RotationService.rotate: all or nothing', () => {
  it('success: proves the new key, then writes ServiceNow, then revokes the old key', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rotated', newAccessKey: NEW_KEY });
    expect(done.oldKeyStillActive).toBeUndefined();
    expect(h.ck.verified).toEqual([NEW_KEY]);
    expect(h.sn.writes).toEqual([
      { table: TABLE, sysId: 'rec-1', fields: { access_key: NEW_KEY, secret_key: NEW_SECRET } },
    ]);
    expect(h.sn.record.accessKey).toBe(NEW_KEY);
    expect(h.ck.revoked).toEqual([OLD_KEY]);
    expect([...h.ck.active]).toEqual([NEW_KEY]);
    expect(await h.service.get(req.id)).toMatchObject({ state: 'rotated' });
  });

  it('new key does not authenticate: ServiceNow untouched, new key revoked', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.ck.failVerify = new UpstreamLikeError('Invalid credentials', 'CLOUDKNOX_AUTH_REJECTED');
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rolled_back', failedStep: 'verify_new_key', newKeyRevoked: true });
    expect(done.failureText).toContain('CLOUDKNOX_AUTH_REJECTED');
    expect(h.sn.reads).toBe(0);
    expect(h.sn.writes).toEqual([]);
    expect(h.ck.revoked).toEqual([NEW_KEY]);
    expect([...h.ck.active]).toEqual([OLD_KEY]);
  });

  it('ServiceNow record cannot be read: nothing written, new key revoked', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.failReadNo = 1;
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rolled_back', failedStep: 'read_servicenow', newKeyRevoked: true });
    expect(h.sn.writes).toEqual([]);
    expect(h.ck.revoked).toEqual([NEW_KEY]);
    expect(h.sn.record.accessKey).toBe(OLD_KEY);
  });

  it('ServiceNow has no configuration record: nothing written, new key revoked', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.readResult = 'none';
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rolled_back', failedStep: 'read_servicenow', newKeyRevoked: true });
    expect(done.failureText).toContain(TABLE);
    expect(h.sn.writes).toEqual([]);
  });

  it('ServiceNow refuses the write and still holds the old key: rolled back, new key revoked', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.writeFault = 'reject';
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rolled_back', failedStep: 'write_servicenow', newKeyRevoked: true });
    expect(done.failureText).toContain('SERVICENOW_FORBIDDEN');
    expect(h.sn.writes).toHaveLength(1);
    expect(h.sn.reads).toBe(2); // once before the write, once to look after it failed
    expect(h.sn.record.accessKey).toBe(OLD_KEY);
    expect(h.sn.secret).toBe(OLD_SECRET);
    expect(h.ck.revoked).toEqual([NEW_KEY]);
    expect([...h.ck.active]).toEqual([OLD_KEY]);
  });

  it('ServiceNow answers the write but kept the old key: rolled back', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.writeFault = 'ignored';
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rolled_back', failedStep: 'write_servicenow', newKeyRevoked: true });
    expect(h.ck.revoked).toEqual([NEW_KEY]);
  });

  it('the write errors but landed (the record shows the new key): treated as success', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.writeFault = 'lost';
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rotated' });
    expect(done.failedStep).toBeUndefined();
    expect(h.sn.record.accessKey).toBe(NEW_KEY);
    expect(h.ck.revoked).toEqual([OLD_KEY]); // never the new key, which ServiceNow now uses
  });

  it('the write errors and ServiceNow cannot be read back: failed, both keys left active', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.writeFault = 'reject';
    h.sn.failReadNo = 2;
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'failed', failedStep: 'write_servicenow' });
    expect(done.failureText).toContain('both keys active');
    expect(h.ck.revoked).toEqual([]);
    expect([...h.ck.active].sort()).toEqual([NEW_KEY, OLD_KEY].sort());
  });

  it('the new key cannot be revoked in a rollback: rolled back with newKeyRevoked false', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.ck.failVerify = new UpstreamLikeError('nope', 'CLOUDKNOX_AUTH_REJECTED');
    h.ck.failRevoke.set(NEW_KEY, new UpstreamLikeError('boom', 'UPSTREAM_SERVER_ERROR'));
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rolled_back', failedStep: 'verify_new_key', newKeyRevoked: false });
  });

  it('the old key cannot be revoked: rotated, with the old key flagged as still active', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.ck.failRevoke.set(OLD_KEY, new UpstreamLikeError('boom', 'UPSTREAM_SERVER_ERROR'));
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rotated', oldKeyStillActive: true });
    expect(h.sn.record.accessKey).toBe(NEW_KEY);
    expect(h.ck.revoked).toEqual([]);
  });

  it("the bot's own key is never revoked, even when ServiceNow held it", async () => {
    const h = await harness({ protectedAccessKey: OLD_KEY });
    const { req, key } = await withNewKey(h);
    const done = await h.service.rotate(req, key);
    expect(done).toMatchObject({ state: 'rotated', oldKeyStillActive: true });
    expect(h.ck.revoked).toEqual([]);
    expect(h.sn.record.accessKey).toBe(NEW_KEY);
  });

  it('revokes both the key ServiceNow held and the one CloudKnox showed when they differ', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.record.accessKey = 'AKCKSTALESTALE00WXYZ';
    await h.service.rotate(req, key);
    expect(h.ck.revoked).toEqual(['AKCKSTALESTALE00WXYZ', OLD_KEY]);
  });

  it('a recovery sweep between the new key and the rotation leaves the live rotation alone', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    // Another replica's sweep runs while this one is still updating Slack, before rotate() starts.
    expect(await h.service.recoverInterrupted()).toEqual([]);
    expect(h.ck.revoked).toEqual([]);
    const done = await h.service.rotate(req, key);
    expect(done.state).toBe('rotated');
    expect(h.ck.revoked).toEqual([OLD_KEY]);
  });

  it('holds the rotation lease while running and releases it after', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    let ownerDuring: string | undefined;
    h.ck.verifyCredentials = async () => {
      ownerDuring = await h.repo.leaseOwner(`rotation:${req.id}`);
    };
    await h.service.rotate(req, key);
    expect(ownerDuring).toEqual(expect.any(String));
    expect(await h.repo.leaseOwner(`rotation:${req.id}`)).toBeUndefined();
  });
});

describe('RotationService: audit', () => {
  it('every transition is an audit event, in order, with who and the request id; none holds a secret', async () => {
    const h = await harness();
    const req = await requested(h);
    await h.service.decide(req.id, REQUESTER, 'approve'); // refused: no event
    await h.service.decide(req.id, APPROVER, 'approve');
    await h.service.sendCode(req.id, REQUESTER);
    h.clock.now += 1;
    await h.service.resendCode(req.id, REQUESTER);
    h.clock.now += 1;
    await h.service.verifyCode(req.id, REQUESTER, '000000');
    h.clock.now += 1;
    const v = await h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE);
    if (v.kind !== 'key_created') throw new Error(v.kind);
    h.clock.now += 1;
    const done = await h.service.rotate(v.req, v.key);
    expect(done.state).toBe('rotated');

    const events = await auditOf(h, req.id);
    expect(events.map((e) => [e.action, e.actor, e.state])).toEqual([
      ['requested', REQUESTER, 'requested'],
      ['approve', APPROVER, 'approved'],
      ['code_sent', REQUESTER, 'otp_pending'],
      ['code_resent', REQUESTER, 'otp_pending'],
      ['wrong_code', REQUESTER, 'otp_pending'],
      ['key_created', REQUESTER, 'rotating'],
      ['servicenow_updated', REQUESTER, 'rotating'],
      ['rotated', REQUESTER, 'rotated'],
    ]);
    for (const e of events) expect(e.at).toEqual(expect.any(Number));
    // Every stored change of the request (version 1 → done.version) has exactly one event.
    expect(done.version - 1).toBe(
      events.filter((e) => e.action !== 'requested' && e.action !== 'servicenow_updated').length,
    );
    // And each went to the log too.
    const logged = h.logLines.filter((l) => l.includes('"event":"audit"') && l.includes(req.id));
    expect(logged).toHaveLength(events.length);
    expectNoSecrets(h, events);
  });

  it('a rollback and a deny are audited, without secrets', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    h.sn.writeFault = 'reject';
    await h.service.rotate(req, key);
    const denied = await requested(h);
    await h.service.decide(denied.id, APPROVER2, 'deny', 'not now');
    expect((await auditOf(h, req.id)).map((e) => e.action)).toEqual([
      'requested',
      'approve',
      'code_sent',
      'key_created',
      'rolled_back',
    ]);
    expect(await auditOf(h, denied.id)).toEqual([
      expect.objectContaining({ action: 'requested', detail: 'reason: quarterly' }),
      expect.objectContaining({ action: 'deny', actor: APPROVER2, state: 'denied' }),
    ]);
    expectNoSecrets(h, [...(await auditOf(h, req.id)), ...(await auditOf(h, denied.id))]);
  });

  it('the stored request never holds a secret or the code', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    await h.service.rotate(req, key);
    const stored = JSON.stringify(await h.service.get(req.id));
    for (const secret of [NEW_SECRET, OLD_SECRET, RIGHT_CODE]) expect(stored).not.toContain(secret);
  });
});

describe('what the reviews found (safety of stale approvals, stalled replicas and lost answers)', () => {
  it('a code for a request whose key changed since approval creates nothing and fails the request', async () => {
    const h = await harness();
    const req = await pending(h);
    h.ck.getIntegration = () =>
      FakeCloudKnox.prototype.getIntegration
        .call(h.ck)
        .then((i) => ({ ...i, accessKey: 'AKCKSOMEOTHERKEYABCD' }));
    const v = await h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE);
    expect(v).toMatchObject({ kind: 'refused', refusal: 'key_changed' });
    expect(h.ck.createCalls).toEqual([]);
    expect((await h.service.get(req.id))?.state).toBe('failed');
  });

  it('a replica that lost its rotation lease writes nothing to ServiceNow and revokes nothing', async () => {
    const h = await harness();
    const { req, key } = await withNewKey(h);
    // Another replica took over (the lease lapsed while this one stalled).
    await h.repo.releaseLease(`rotation:${req.id}`, (await h.repo.leaseOwner(`rotation:${req.id}`))!);
    await h.repo.acquireLease(`rotation:${req.id}`, 'other-replica', 60_000);
    const writesBefore = h.sn.writes.length;
    await h.service.rotate(req, key);
    expect(h.sn.writes.length).toBe(writesBefore);
    expect(h.ck.revoked).toEqual([]);
    const actions = (await h.audit.recent(50)).map((e) => e.action);
    expect(actions).toContain('lease_lost');
  });

  it('a key CloudKnox made while the answer was lost is found by the sweep and revoked', async () => {
    const h = await harness();
    const req = await pending(h);
    h.ck.failCreate = Object.assign(new Error('CloudKnox did not answer'), { code: 'UPSTREAM_TIMEOUT' });
    const origCreate = h.ck.createKey.bind(h.ck);
    h.ck.createKey = async (input) => {
      h.ck.failCreate = undefined;
      await origCreate(input); // the key is made…
      h.ck.keyCreatedOn.set(NEW_KEY, new Date(h.clock.now).toISOString());
      throw Object.assign(new Error('CloudKnox did not answer'), { code: 'UPSTREAM_TIMEOUT' }); // …the answer lost
    };
    const v = await h.service.verifyCode(req.id, REQUESTER, RIGHT_CODE);
    expect(v.kind).toBe('error');
    expect(h.ck.active.has(NEW_KEY)).toBe(true);
    expect(await h.service.revokeOrphanKeys()).toEqual([]); // too early: the answer may still come
    h.clock.now += 31_000;
    const swept = await h.service.revokeOrphanKeys();
    expect(swept.map((s) => s.revoked)).toEqual([[NEW_KEY]]);
    expect(h.ck.active.has(NEW_KEY)).toBe(false);
    expect(h.ck.active.has(OLD_KEY)).toBe(true);
    expect((await h.service.get(req.id))?.creatingKeyAt).toBeUndefined();
  });
});
