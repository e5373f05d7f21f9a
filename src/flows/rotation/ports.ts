import type { Integration, ServiceNowConfigRecord } from '../ports.js';
import type { OtpInfo, RotationRequest } from './request.js';

/** Storage of rotation requests; `replace` is an atomic compare-and-set across replicas. */
export interface RotationRepository {
  create(req: RotationRequest): Promise<void>;
  get(id: string): Promise<RotationRequest | undefined>;
  replace(expected: RotationRequest, next: RotationRequest): Promise<boolean>;
  /** Ids of stored requests (for recovery scans). */
  listIds(): Promise<string[]>;
  /** A short exclusive hold (verifying a code, running a rotation) that expires if its holder dies. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
  leaseOwner(name: string): Promise<string | undefined>;
}

export interface AuditEvent {
  at: number;
  requestId: string;
  actor: string;
  action: string;
  state?: string | undefined;
  detail?: string | undefined;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
}

export interface NewKey {
  serviceAccountId: string;
  accessKey: string;
  /** Held in memory only, long enough to write it into ServiceNow. */
  secretKey: string;
}

/** What rotation needs from CloudKnox. */
export interface KeyAdminPort {
  getIntegration(): Promise<Integration>;
  requestKeyOtp(): Promise<OtpInfo>;
  resendKeyOtp(otpRequestId: string): Promise<OtpInfo>;
  createKey(input: { otpRequestId: string; otp: string }): Promise<NewKey>;
  revokeKey(accessKey: string): Promise<void>;
  listKeys(): Promise<Array<{ accessKey: string; createdOn: string; status: string }>>;
  /** Resolves when these credentials authenticate against CloudKnox. */
  verifyCredentials(key: NewKey): Promise<void>;
}

/** What rotation needs from ServiceNow. */
export interface ServiceNowWriterPort {
  getConfigRecord(table: string): Promise<ServiceNowConfigRecord | undefined>;
  updateConfigRecord(
    table: string,
    sysId: string,
    fields: { access_key?: string; secret_key?: string },
  ): Promise<ServiceNowConfigRecord>;
}
