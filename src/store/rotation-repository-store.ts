import { z } from 'zod';
import type { AuditEvent, AuditLog, RotationRepository } from '../flows/rotation/ports.js';
import type { RotationRequest } from '../flows/rotation/request.js';
import type { Logger } from '../logging/logger.js';
import type { StateStore } from './state-store.js';

/** Rotation requests and the audit trail over the state store (DESIGN §4.2 step 6, §6). */
const otpSchema = z.object({
  otpRequestId: z.string(),
  sentTo: z.string(),
  expiresAt: z.string(),
  resendAfter: z.string(),
});

export const rotationRequestSchema = z.object({
  id: z.string(),
  state: z.enum([
    'requested',
    'approved',
    'otp_pending',
    'rotating',
    'rotated',
    'denied',
    'expired',
    'failed',
    'rolled_back',
  ]),
  version: z.number().int(),
  requestedBy: z.string(),
  reason: z.string().optional(),
  channel: z.string(),
  cardTs: z.string().optional(),
  createdAt: z.number(),
  expiresAt: z.number(),
  approval: z.enum(['required', 'off']),
  oldAccessKey: z.string(),
  approvedBy: z.string().optional(),
  deniedBy: z.string().optional(),
  denyReason: z.string().optional(),
  decidedAt: z.number().optional(),
  otp: otpSchema.optional(),
  wrongCodes: z.number().int(),
  newAccessKey: z.string().optional(),
  creatingKeyAt: z.number().optional(),
  failedStep: z
    .enum([
      'create_key',
      'verify_new_key',
      'read_servicenow',
      'write_servicenow',
      'confirm_servicenow',
      'revoke_old_key',
      'interrupted',
    ])
    .optional(),
  failureText: z.string().optional(),
  newKeyRevoked: z.boolean().optional(),
  oldKeyStillActive: z.boolean().optional(),
  finishedAt: z.number().optional(),
}) satisfies z.ZodType<RotationRequest>;

const auditSchema = z.object({
  at: z.number(),
  requestId: z.string(),
  actor: z.string(),
  action: z.string(),
  state: z.string().optional(),
  detail: z.string().optional(),
});

const PREFIX = 'rotation:';
const KEEP_REQUEST_MS = 7 * 24 * 3600_000;
const AUDIT_KEY = 'audit';
const AUDIT_MAX = 1000;
const AUDIT_KEEP_MS = 90 * 24 * 3600_000;

/** JSON has no `undefined`: the stored form drops it, so compare-and-set must compare that form. */
function stored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class StoreRotationRepository implements RotationRepository {
  constructor(private readonly store: StateStore) {}

  async create(req: RotationRequest): Promise<void> {
    if (!(await this.store.setIfAbsent(PREFIX + req.id, stored(req), KEEP_REQUEST_MS))) {
      throw new Error(`rotation request ${req.id} already exists`);
    }
  }

  get(id: string): Promise<RotationRequest | undefined> {
    return this.store.get(PREFIX + id, rotationRequestSchema);
  }

  replace(expected: RotationRequest, next: RotationRequest): Promise<boolean> {
    return this.store.compareAndSet(PREFIX + expected.id, stored(expected), stored(next));
  }

  async listIds(): Promise<string[]> {
    return (await this.store.keysWithPrefix(PREFIX)).map((k) => k.slice(PREFIX.length));
  }

  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.store.acquireLease(name, owner, ttlMs);
  }

  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.store.renewLease(name, owner, ttlMs);
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.store.releaseLease(name, owner);
  }

  leaseOwner(name: string): Promise<string | undefined> {
    return this.store.leaseOwner(name);
  }
}

/** Every audit event goes to the log and to a bounded list in the store (`/cloudknox audit`). */
export class StoreAuditLog implements AuditLog {
  constructor(
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    this.log.info({ event: 'audit', audit: event }, `rotation ${event.requestId}: ${event.action}`);
    await this.store.pushCapped(AUDIT_KEY, stored(event), AUDIT_MAX, AUDIT_KEEP_MS);
  }

  recent(limit: number): Promise<AuditEvent[]> {
    return this.store.listRecent(AUDIT_KEY, auditSchema, limit);
  }
}
