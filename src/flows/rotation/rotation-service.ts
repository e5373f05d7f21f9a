import { randomBytes } from 'node:crypto';
import type { KeyAdminPort, AuditLog, NewKey, RotationRepository, ServiceNowWriterPort } from './ports.js';
import { MAX_WRONG_CODES, type OtpInfo, type RotationRequest, type RotationStep } from './request.js';
import { transition, type Refusal, type RotationEvent } from './state-machine.js';
import { attemptsLeftOf, errorText, retryAfterOf, upstreamCodeOf } from './upstream-codes.js';

/**
 * DESIGN §4.2 as a flow: request → approval → emailed code → rotation, all or nothing. It knows
 * nothing of Slack; every change of a request goes through the pure state machine and an atomic
 * compare-and-set, so two replicas (or two clicks) can never both decide or both rotate.
 */
export type FlowRefusal = Refusal | 'not_found' | 'not_requester' | 'busy' | 'key_changed';

export type Applied =
  { ok: true; req: RotationRequest } | { ok: false; refusal: FlowRefusal; req?: RotationRequest };

export type SendCodeOutcome =
  | { kind: 'sent'; req: RotationRequest; otp: OtpInfo; reused: boolean }
  | { kind: 'too_soon'; retryAfterSeconds: number | undefined; req: RotationRequest }
  | { kind: 'refused'; refusal: FlowRefusal; req?: RotationRequest | undefined }
  | { kind: 'error'; error: unknown; req: RotationRequest };

export type VerifyOutcome =
  | { kind: 'key_created'; req: RotationRequest; key: NewKey }
  | { kind: 'wrong_code'; attemptsLeft: number; req: RotationRequest }
  | { kind: 'bad_format'; req: RotationRequest }
  | { kind: 'code_expired'; req: RotationRequest }
  | { kind: 'too_many_codes'; req: RotationRequest }
  | { kind: 'refused'; refusal: FlowRefusal; req?: RotationRequest | undefined }
  | { kind: 'error'; error: unknown; req: RotationRequest };

export interface RotationDeps {
  repo: RotationRepository;
  audit: AuditLog;
  keys: KeyAdminPort;
  servicenow: ServiceNowWriterPort;
  configTable: string;
  ttlMs: number;
  /** The bot's own access key: never revoked by a rotation, whatever ServiceNow held. */
  protectedAccessKey?: string | undefined;
  now?: () => number;
  newId?: () => string;
  leaseMs?: number;
}

const CODE_PATTERN = /^\d{6}$/;

export class RotationService {
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly leaseMs: number;
  private readonly owner = randomBytes(6).toString('hex');

  constructor(private readonly deps: RotationDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => `rot_${randomBytes(6).toString('hex')}`);
    this.leaseMs = deps.leaseMs ?? 60_000;
  }

  get(id: string): Promise<RotationRequest | undefined> {
    return this.deps.repo.get(id);
  }

  /** Creates a request; with approval off it starts approved. Reads the key it will replace. */
  async request(input: {
    requestedBy: string;
    reason?: string | undefined;
    channel: string;
    approval: 'required' | 'off';
  }): Promise<RotationRequest> {
    const integration = await this.deps.keys.getIntegration();
    const at = this.now();
    const req: RotationRequest = {
      id: this.newId(),
      state: input.approval === 'off' ? 'approved' : 'requested',
      version: 1,
      requestedBy: input.requestedBy,
      reason: input.reason,
      channel: input.channel,
      createdAt: at,
      expiresAt: at + this.deps.ttlMs,
      approval: input.approval,
      oldAccessKey: integration.accessKey,
      wrongCodes: 0,
    };
    await this.deps.repo.create(req);
    await this.audit(
      req,
      input.requestedBy,
      'requested',
      input.reason ? `reason: ${input.reason}` : undefined,
    );
    return req;
  }

  /** Remembers where the approval card is (used to update it later). */
  async attachCard(id: string, cardTs: string): Promise<void> {
    await this.patch(id, { cardTs });
  }

  /** Sets bookkeeping fields that are not state changes (compare-and-set, retried on a race). */
  private async patch(
    id: string,
    fields: Partial<Pick<RotationRequest, 'cardTs' | 'creatingKeyAt'>>,
  ): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const cur = await this.deps.repo.get(id);
      if (!cur) return;
      // No version bump: `version` counts state changes; the compare-and-set compares the whole record.
      if (await this.deps.repo.replace(cur, { ...cur, ...fields })) return;
    }
  }

  /** First decision wins: the loser gets `already_decided` with the stored request (who decided). */
  decide(id: string, by: string, decision: 'approve' | 'deny', reason?: string): Promise<Applied> {
    const at = this.now();
    return this.apply(id, by, () =>
      decision === 'approve'
        ? { type: 'approve', by, at, ttlMs: this.deps.ttlMs }
        : { type: 'deny', by, at, reason },
    );
  }

  /** Asks CloudKnox to email a code, once per request: a second call shows the code already sent. */
  async sendCode(id: string, by: string): Promise<SendCodeOutcome> {
    const cur = await this.checkRequester(id, by);
    if ('refusal' in cur) return { kind: 'refused', ...cur };
    const req = cur.req;
    // Fix (rotation-service tests): a request whose time is up is expired here, before CloudKnox is
    // asked to email a code nobody could use any more.
    const due = await this.expiredNow(id, by, req);
    if (due) return { kind: 'refused', refusal: 'expired', req: due };
    if (req.state === 'otp_pending' && req.otp && Date.parse(req.otp.expiresAt) > this.now()) {
      return { kind: 'sent', req, otp: req.otp, reused: true };
    }
    if (req.state !== 'approved' && req.state !== 'otp_pending') {
      return { kind: 'refused', refusal: req.state === 'requested' ? 'not_approved' : 'finished', req };
    }
    let otp: OtpInfo;
    try {
      otp = await this.deps.keys.requestKeyOtp();
    } catch (error) {
      return { kind: 'error', error, req };
    }
    return this.codeSent(id, by, otp, 'code_sent');
  }

  async resendCode(id: string, by: string): Promise<SendCodeOutcome> {
    const cur = await this.checkRequester(id, by);
    if ('refusal' in cur) return { kind: 'refused', ...cur };
    const req = cur.req;
    // Fix (rotation-service tests): no new email for a request whose time is up.
    const due = await this.expiredNow(id, by, req);
    if (due) return { kind: 'refused', refusal: 'expired', req: due };
    if (req.state !== 'otp_pending' || !req.otp)
      return { kind: 'refused', refusal: 'not_waiting_for_code', req };
    let otp: OtpInfo;
    try {
      otp = await this.deps.keys.resendKeyOtp(req.otp.otpRequestId);
    } catch (error) {
      if (upstreamCodeOf(error) === 'OTP_RESEND_TOO_SOON') {
        return { kind: 'too_soon', retryAfterSeconds: retryAfterOf(error), req };
      }
      return { kind: 'error', error, req };
    }
    return this.codeSent(id, by, otp, 'code_resent');
  }

  /**
   * Checks the code by asking CloudKnox for the new key. A lease makes a double-click of Verify
   * create at most one key. On success the caller runs `rotate` with the key (held in memory only).
   */
  async verifyCode(id: string, by: string, code: string): Promise<VerifyOutcome> {
    const cur = await this.checkRequester(id, by);
    if ('refusal' in cur) return { kind: 'refused', ...cur };
    const req = cur.req;
    if (req.state !== 'otp_pending' || !req.otp) {
      return {
        kind: 'refused',
        refusal: req.state === 'approved' ? 'not_waiting_for_code' : 'finished',
        req,
      };
    }
    const due = await this.expiredNow(id, by, req);
    if (due) return { kind: 'refused', refusal: 'expired', req: due };
    const otp = code.replace(/\s+/g, '');
    // Not worth an attempt at CloudKnox (nor counting against the five): say what a code looks like.
    if (!CODE_PATTERN.test(otp)) return { kind: 'bad_format', req };
    // The approval was for replacing one particular key: if CloudKnox's key changed meanwhile (another
    // rotation, a change in CloudKnox), this request would revoke a key nobody approved replacing.
    const current = await this.deps.keys.getIntegration().catch(() => undefined);
    if (current && current.accessKey !== req.oldAccessKey) {
      const r = await this.apply(id, by, () => ({
        type: 'code_refused',
        at: this.now(),
        text: 'the key changed since this request was approved',
      }));
      return { kind: 'refused', refusal: 'key_changed', req: r.req ?? req };
    }
    // One holder per call, not per replica: a double-click landing on the same replica is refused too.
    const lease = `verify:${id}`;
    const holder = `${this.owner}:${randomBytes(4).toString('hex')}`;
    if (!(await this.deps.repo.acquireLease(lease, holder, 30_000)))
      return { kind: 'refused', refusal: 'busy', req };
    try {
      let key: NewKey;
      // Written before CloudKnox is asked: if this replica dies (or the answer is lost) after CloudKnox
      // made the key, the sweeper finds the mark and revokes the key nothing else records.
      await this.patch(id, { creatingKeyAt: this.now() });
      try {
        key = await this.deps.keys.createKey({ otpRequestId: req.otp.otpRequestId, otp });
      } catch (error) {
        // A definite "no" from CloudKnox (a 4xx) means no key was made; anything else may have made one.
        if (upstreamCodeOf(error) !== undefined) await this.patch(id, { creatingKeyAt: undefined });
        return await this.codeFailed(id, by, req, error);
      }
      // Fix (rotation-service tests): claim the rotation before the request turns `rotating`, so a
      // recovery sweep (recoverInterrupted) never rolls back a rotation that is about to start here.
      // rotate() keeps this lease (same owner: its renewals succeed) and releases it when done.
      await this.deps.repo.acquireLease(`rotation:${id}`, this.owner, this.leaseMs).catch(() => false);
      const created = await this.apply(id, by, () => ({
        type: 'key_created',
        newAccessKey: key.accessKey,
        at: this.now(),
      })).catch(async (error: unknown) => {
        // Fix (issue 5 replica tests): the store failed (Redis down) after CloudKnox made the key, so
        // nothing records it and no sweep would ever revoke it: undo it here, then report the failure.
        await this.deps.keys.revokeKey(key.accessKey).catch(() => undefined);
        throw error;
      });
      if (!created.ok) {
        await this.deps.repo.releaseLease(`rotation:${id}`, this.owner).catch(() => undefined); // Fix (as above)
        // The request moved on meanwhile (it cannot in practice while we hold the lease): undo the key.
        await this.deps.keys.revokeKey(key.accessKey).catch(() => undefined);
        return { kind: 'refused', refusal: created.refusal, req: created.req };
      }
      return { kind: 'key_created', req: created.req, key };
    } finally {
      await this.deps.repo.releaseLease(lease, holder).catch(() => undefined);
    }
  }

  /**
   * Switches ServiceNow to the new key, all or nothing. The new key is proven against CloudKnox
   * before ServiceNow is touched: ServiceNow's old secret cannot be read back, so once ServiceNow
   * holds the new key there is no way back, only forward.
   */
  async rotate(req: RotationRequest, key: NewKey): Promise<RotationRequest> {
    // Held while the steps run; if this replica dies the lease lapses and another one can recover.
    const lease = `rotation:${req.id}`;
    await this.deps.repo.acquireLease(lease, this.owner, this.leaseMs);
    const renew = setInterval(() => {
      void this.deps.repo.renewLease(lease, this.owner, this.leaseMs).catch(() => undefined);
    }, this.leaseMs / 3);
    try {
      return await this.runSteps(req, key);
    } finally {
      clearInterval(renew);
      await this.deps.repo.releaseLease(lease, this.owner).catch(() => undefined);
    }
  }

  /**
   * Settles rotations whose replica died mid-way: state `rotating` and nobody holding its lease.
   * If ServiceNow already holds the new key, the rotation is finished forward (the old key is
   * revoked); otherwise the new key is revoked and the old one keeps working. Returns what changed.
   */
  async recoverInterrupted(): Promise<RotationRequest[]> {
    const settled: RotationRequest[] = [];
    for (const id of await this.deps.repo.listIds()) {
      const req = await this.deps.repo.get(id).catch(() => undefined);
      if (!req || req.state !== 'rotating') continue;
      const lease = `rotation:${id}`;
      if (await this.deps.repo.leaseOwner(lease)) continue;
      const holder = `${this.owner}:recovery`;
      if (!(await this.deps.repo.acquireLease(lease, holder, this.leaseMs))) continue;
      try {
        const done = await this.settleInterrupted(req);
        if (done.state !== 'rotating') settled.push(done);
      } finally {
        await this.deps.repo.releaseLease(lease, holder).catch(() => undefined);
      }
    }
    return settled;
  }

  /**
   * Keys CloudKnox may have made while nobody was listening: a request marked `creatingKeyAt` whose
   * verification is no longer running. Any ACTIVE key created since the mark that neither ServiceNow
   * nor a request holds is revoked.
   */
  async revokeOrphanKeys(): Promise<Array<{ req: RotationRequest; revoked: string[] }>> {
    const done: Array<{ req: RotationRequest; revoked: string[] }> = [];
    const now = this.now();
    const ids = await this.deps.repo.listIds();
    const all = (await Promise.all(ids.map((id) => this.deps.repo.get(id).catch(() => undefined)))).filter(
      (r): r is RotationRequest => r !== undefined,
    );
    const marked = all.filter(
      (r) => r.creatingKeyAt !== undefined && r.creatingKeyAt < now - 30_000 && r.state !== 'rotating',
    );
    if (marked.length === 0) return done;
    const record = await this.deps.servicenow.getConfigRecord(this.deps.configTable).catch(() => null);
    if (record === null) return done; // cannot tell which key ServiceNow uses: decide later
    const keep = new Set([
      record?.accessKey,
      this.deps.protectedAccessKey,
      ...all.map((r) => r.newAccessKey),
    ]);
    const keys = await this.deps.keys.listKeys();
    for (const req of marked) {
      if (await this.deps.repo.leaseOwner(`verify:${req.id}`)) continue;
      const since = req.creatingKeyAt! - 60_000; // clock skew between the bot and CloudKnox
      const orphans = keys.filter(
        (k) =>
          k.status.toUpperCase() === 'ACTIVE' &&
          !keep.has(k.accessKey) &&
          k.accessKey !== req.oldAccessKey &&
          Date.parse(k.createdOn) >= since,
      );
      const revoked: string[] = [];
      for (const k of orphans) {
        if (
          await this.deps.keys.revokeKey(k.accessKey).then(
            () => true,
            () => false,
          )
        )
          revoked.push(k.accessKey);
      }
      await this.patch(req.id, { creatingKeyAt: undefined });
      if (revoked.length) {
        await this.audit(
          req,
          'system',
          'orphan_key_revoked',
          `${revoked.length} key(s) created without a record`,
        );
        done.push({ req, revoked });
      }
    }
    return done;
  }

  /** Requests whose time ran out while waiting (approval or code) are marked expired. */
  async expireOverdue(): Promise<RotationRequest[]> {
    const expired: RotationRequest[] = [];
    const now = this.now();
    for (const id of await this.deps.repo.listIds()) {
      const req = await this.deps.repo.get(id).catch(() => undefined);
      if (!req || req.expiresAt > now || !['requested', 'approved', 'otp_pending'].includes(req.state))
        continue;
      const r = await this.apply(id, 'system', () => ({ type: 'expire', at: now }));
      if (r.ok) expired.push(r.req);
    }
    return expired;
  }

  private async settleInterrupted(req: RotationRequest): Promise<RotationRequest> {
    const { keys, servicenow, configTable } = this.deps;
    const record = await servicenow.getConfigRecord(configTable).catch(() => null);
    if (record === null) return req; // ServiceNow unreachable: decide on a later sweep, not blindly
    const fresh = req.newAccessKey;
    if (fresh && record?.accessKey === fresh) {
      let oldKeyStillActive = false;
      if (
        req.oldAccessKey &&
        req.oldAccessKey !== fresh &&
        req.oldAccessKey !== this.deps.protectedAccessKey
      ) {
        await keys.revokeKey(req.oldAccessKey).catch(() => (oldKeyStillActive = true));
      } else if (req.oldAccessKey === this.deps.protectedAccessKey) oldKeyStillActive = true;
      const r = await this.apply(
        req.id,
        'recovery',
        () => ({ type: 'rotated', at: this.now(), oldKeyStillActive }),
        'recovered_forward',
      );
      return r.req ?? req;
    }
    let newKeyRevoked = fresh === undefined;
    if (fresh) {
      newKeyRevoked = await keys.revokeKey(fresh).then(
        () => true,
        () => false,
      );
    }
    const text =
      'the replica running it stopped before ServiceNow was switched; another replica rolled it back';
    const r = await this.apply(
      req.id,
      'recovery',
      () => ({ type: 'rolled_back', step: 'interrupted', text, newKeyRevoked, at: this.now() }),
      'recovered_rollback',
    );
    return r.req ?? req;
  }

  /** Marks a request expired if its time is up; returns the stored request. */
  async expireIfDue(id: string): Promise<RotationRequest | undefined> {
    const r = await this.apply(id, 'system', () => ({ type: 'expire', at: this.now() }));
    return r.req;
  }

  private async runSteps(req: RotationRequest, key: NewKey): Promise<RotationRequest> {
    const { keys, servicenow, configTable } = this.deps;
    try {
      await keys.verifyCredentials(key);
    } catch (error) {
      return this.rollBack(req, key, 'verify_new_key', error);
    }
    let record;
    try {
      record = await servicenow.getConfigRecord(configTable);
      if (!record) throw new Error(`no CloudKnox configuration record in ${configTable}`);
    } catch (error) {
      return this.rollBack(req, key, 'read_servicenow', error);
    }
    // The keys being replaced: what ServiceNow held and what CloudKnox showed when the request was
    // made. Usually one key; if ServiceNow held a stale one, both go, so only the new key stays.
    const replaced = [...new Set([record.accessKey, req.oldAccessKey])].filter(
      (k) => k && k !== key.accessKey,
    );
    // Past here nothing can be undone: go on only while this replica still holds the rotation. A
    // replica that stalled past its lease may find another one already settled the request.
    if (!(await this.stillHolds(req.id))) return this.leaseLost(req);
    try {
      const written = await servicenow.updateConfigRecord(configTable, record.sysId, {
        access_key: key.accessKey,
        secret_key: key.secretKey,
      });
      if (written.accessKey !== key.accessKey) throw new Error('ServiceNow did not keep the new access key');
    } catch (error) {
      // A timed-out write may still have landed: look before undoing anything.
      const after = await servicenow.getConfigRecord(configTable).catch(() => undefined);
      if (after === undefined) return this.fail(req, 'write_servicenow', error, 'unknown');
      if (after.accessKey !== key.accessKey) return this.rollBack(req, key, 'write_servicenow', error);
    }
    await this.audit(req, req.requestedBy, 'servicenow_updated');
    if (!(await this.stillHolds(req.id))) return this.leaseLost(req);
    let oldKeyStillActive = false;
    for (const old of replaced) {
      if (old === this.deps.protectedAccessKey) {
        oldKeyStillActive = true;
        continue;
      }
      try {
        await keys.revokeKey(old);
      } catch (error) {
        // A stale key CloudKnox no longer knows is already gone; anything else is left for a person.
        if (upstreamCodeOf(error) !== 'KEY_NOT_FOUND') oldKeyStillActive = true;
      }
    }
    const done = await this.apply(req.id, req.requestedBy, () => ({
      type: 'rotated',
      at: this.now(),
      oldKeyStillActive,
    }));
    return done.req ?? req;
  }

  private stillHolds(id: string): Promise<boolean> {
    return this.deps.repo.renewLease(`rotation:${id}`, this.owner, this.leaseMs).catch(() => false);
  }

  private async leaseLost(req: RotationRequest): Promise<RotationRequest> {
    await this.audit(req, 'system', 'lease_lost', 'stopped: another replica took over this rotation');
    return (await this.deps.repo.get(req.id).catch(() => undefined)) ?? req;
  }

  private async rollBack(
    req: RotationRequest,
    key: NewKey,
    step: RotationStep,
    error: unknown,
  ): Promise<RotationRequest> {
    let newKeyRevoked = false;
    try {
      await this.deps.keys.revokeKey(key.accessKey);
      newKeyRevoked = true;
    } catch {
      newKeyRevoked = false;
    }
    const text = errorText(error);
    const r = await this.apply(req.id, req.requestedBy, () => ({
      type: 'rolled_back',
      step,
      text,
      newKeyRevoked,
      at: this.now(),
    }));
    return r.req ?? req;
  }

  private async fail(
    req: RotationRequest,
    step: RotationStep,
    error: unknown,
    _servicenow: 'unknown',
  ): Promise<RotationRequest> {
    const text = `${errorText(error)} (and ServiceNow could not be read back, so the bot left both keys active)`;
    const r = await this.apply(req.id, req.requestedBy, () => ({
      type: 'failed',
      step,
      text,
      at: this.now(),
    }));
    return r.req ?? req;
  }

  private async codeFailed(
    id: string,
    by: string,
    req: RotationRequest,
    error: unknown,
  ): Promise<VerifyOutcome> {
    const code = upstreamCodeOf(error);
    if (code === 'OTP_INVALID') {
      const r = await this.apply(id, by, () => ({ type: 'wrong_code', at: this.now() }));
      const now = r.req ?? req;
      if (now.state === 'failed') return { kind: 'too_many_codes', req: now };
      const ours = MAX_WRONG_CODES - now.wrongCodes;
      return { kind: 'wrong_code', attemptsLeft: Math.min(ours, attemptsLeftOf(error) ?? ours), req: now };
    }
    if (code === 'OTP_EXPIRED') return { kind: 'code_expired', req };
    if (code === 'OTP_ATTEMPTS_EXCEEDED') {
      const r = await this.apply(id, by, () => ({
        type: 'code_refused',
        at: this.now(),
        text: `${MAX_WRONG_CODES} wrong codes (CloudKnox refuses further codes)`,
      }));
      return { kind: 'too_many_codes', req: r.req ?? req };
    }
    return { kind: 'error', error, req };
  }

  private async codeSent(id: string, by: string, otp: OtpInfo, action: string): Promise<SendCodeOutcome> {
    const r = await this.apply(id, by, () => ({ type: 'code_sent', otp, at: this.now() }), action);
    if (!r.ok) return { kind: 'refused', refusal: r.refusal, req: r.req };
    return { kind: 'sent', req: r.req, otp, reused: false };
  }

  /** Fix (rotation-service tests): records the expiry of a waiting request past its time; else undefined. */
  private async expiredNow(
    id: string,
    by: string,
    req: RotationRequest,
  ): Promise<RotationRequest | undefined> {
    const waiting = req.state === 'approved' || req.state === 'otp_pending';
    if (!waiting || this.now() < req.expiresAt) return undefined;
    const r = await this.apply(id, by, () => ({ type: 'expire', at: this.now() }));
    return r.req ?? req;
  }

  private async checkRequester(
    id: string,
    by: string,
  ): Promise<{ req: RotationRequest } | { refusal: FlowRefusal; req?: RotationRequest }> {
    const req = await this.deps.repo.get(id);
    if (!req) return { refusal: 'not_found' };
    if (req.requestedBy !== by) return { refusal: 'not_requester', req };
    return { req };
  }

  /** Reads, transitions, compare-and-sets; on a lost race reads again (so the loser sees the winner). */
  private async apply(
    id: string,
    actor: string,
    event: (cur: RotationRequest) => RotationEvent,
    action?: string,
  ): Promise<Applied> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const cur = await this.deps.repo.get(id);
      if (!cur) return { ok: false, refusal: 'not_found' };
      const ev = event(cur);
      const result = transition(cur, ev);
      if (!result.ok) {
        // An event on a request whose time is up records the expiry, so everyone sees it.
        if (result.refusal === 'expired' && cur.state !== 'expired' && ev.type !== 'expire') {
          const expired = transition(cur, { type: 'expire', at: ev.at });
          if (expired.ok && (await this.deps.repo.replace(cur, expired.next))) {
            await this.audit(expired.next, 'system', 'expired');
            return { ok: false, refusal: 'expired', req: expired.next };
          }
          continue;
        }
        return { ok: false, refusal: result.refusal, req: cur };
      }
      if (await this.deps.repo.replace(cur, result.next)) {
        await this.audit(result.next, actor, action ?? ev.type);
        return { ok: true, req: result.next };
      }
    }
    return { ok: false, refusal: 'busy' };
  }

  private async audit(req: RotationRequest, actor: string, action: string, detail?: string): Promise<void> {
    await this.deps.audit.record({
      at: this.now(),
      requestId: req.id,
      actor,
      action,
      state: req.state,
      detail,
    });
  }
}
