import { noFaults, type FaultSwitches } from '../faults.js';
import {
  SimRouter,
  startSimServer,
  type RunningServer,
  type SimReply,
  type SimRequest,
} from '../http-server.js';
import { defaultSeed, type SeedCredentials } from '../seed.js';
import { authenticate, parseBasicAuth, type AuthUser, type Credentials } from './auth.js';
import { FieldCipher } from './encrypted-field.js';
import { apiAclFailed, hibernationPage, noSuchResource, notAuthenticated, rateLimited } from './responses.js';
import { passesApiAcl, ROLE } from './roles.js';
import { handleTableRequest } from './table-api.js';
import { configTable, glideDateTime, sysUserTable, Table } from './tables.js';

/**
 * A ServiceNow instance's Table API over real HTTP (DESIGN §7), seeded with the bot's account, the
 * CloudKnox integration user, a user without any CloudKnox role, and the CloudKnox app's
 * configuration table holding one record. Tests flip its switches (`hibernating`, `rateLimit`,
 * `faults`) and read or change its state through the methods below, never through HTTP.
 */
export interface ServiceNowSimOptions {
  /** 0 or unset: a free port. */
  port?: number;
  seed?: SeedCredentials;
  /** The configuration record's api_endpoint; often set later with setConfigRecord. */
  cloudknoxApiUrl?: string;
  /** Consecutive failed logins that lock an account (default 5). */
  maxFailedLogins?: number;
}

export interface RateLimitSwitch {
  /** Requests allowed in the window (X-RateLimit-Limit), default 100. */
  limit?: number;
  /** Requests still allowed; at 0 every request gets 429. Counts down with each request. */
  remaining: number;
  /** Seconds until the window resets (Retry-After, and X-RateLimit-Reset = now + this). */
  resetSeconds: number;
}

export interface SimUserPatch {
  active?: boolean;
  lockedOut?: boolean;
  password?: string;
  roles?: string[];
  mfa?: boolean;
  /** With mfa: the code to append to the password. Without one, no login of this user succeeds. */
  mfaCode?: string;
  email?: string;
}

export interface SimUserView {
  sysId: string;
  userName: string;
  active: boolean;
  lockedOut: boolean;
  roles: string[];
  mfa: boolean;
  failedAttempts: number;
}

/** The configuration record as stored, with the secret decrypted for tests to assert on. */
export interface SimConfigRecord {
  sys_id: string;
  api_endpoint: string;
  service_account_id: string;
  access_key: string;
  /** Clear text; null when the stored value is not decryptable (written without sysparm_input_display_value=true). */
  secret_key: string | null;
  sys_updated_by: string;
  sys_updated_on: string;
  sys_mod_count: number;
}

export interface SimConfigPatch {
  api_endpoint?: string;
  service_account_id?: string;
  access_key?: string;
  /** Clear text; stored encrypted. */
  secret_key?: string;
}

export interface SimRequestLogEntry {
  method: string;
  path: string;
  /** The query string as sent (sysparm_* parameters); never a body or a header. */
  query: string;
  /** The Basic-auth username presented, if any (never the password). */
  user: string | undefined;
  status: number;
}

/** A seeded user who may call the Table API but holds no CloudKnox role: reads are answered 403. */
export const NO_CLOUDKNOX_ROLE_USER = { userName: 'abel.tuter', password: 'Abel.Tuter#2024' } as const;

const RATE_LIMIT_RULE_ID = '3f1e0d8b1b6a5010a1c2d3e4f5a6b7c8';

export class ServiceNowSim {
  readonly url: string;
  readonly port: number;
  readonly faults: FaultSwitches;
  readonly seed: SeedCredentials;
  readonly configTableName: string;
  /** Log of every request that reached the simulator's logic (faults answered first are not in it). */
  readonly requests: SimRequestLogEntry[] = [];
  /** When true, every URL answers 200 with the developer portal's "instance is hibernating" page. */
  hibernating = false;
  /** When set, a rate-limit rule applies to every authenticated request. */
  rateLimit: RateLimitSwitch | undefined;

  private readonly server: RunningServer;
  private readonly tables: Map<string, Table>;
  private readonly credentials = new Map<string, Credentials>(); // by sys_id
  private readonly cipher: FieldCipher;
  private readonly maxFailedLogins: number;

  /** Use startServiceNowSim. */
  constructor(init: {
    server: RunningServer;
    faults: FaultSwitches;
    seed: SeedCredentials;
    tables: Map<string, Table>;
    cipher: FieldCipher;
    maxFailedLogins: number;
  }) {
    this.server = init.server;
    this.url = init.server.url;
    this.port = init.server.port;
    this.faults = init.faults;
    this.seed = init.seed;
    this.configTableName = init.seed.servicenow.configTable;
    this.tables = init.tables;
    this.cipher = init.cipher;
    this.maxFailedLogins = init.maxFailedLogins;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  // ---- users ---------------------------------------------------------------------------------

  /** Creates the user (active, not locked, role snc_internal) or changes it. */
  setUser(userName: string, patch: SimUserPatch = {}): SimUserView {
    const users = this.table('sys_user');
    let row = this.userRow(userName);
    if (!row) {
      row = users.insert(
        { user_name: userName, active: 'true', locked_out: 'false', failed_attempts: '0', email: '' },
        'admin',
      );
      this.credentials.set(row.sys_id ?? '', {
        password: patch.password ?? `unset-${row.sys_id}`,
        roles: [ROLE.internal],
        mfa: false,
        mfaCode: undefined,
      });
    }
    const creds = this.credentialsOf(row);
    if (patch.active !== undefined) row.active = String(patch.active);
    if (patch.lockedOut !== undefined) {
      row.locked_out = String(patch.lockedOut);
      if (!patch.lockedOut) row.failed_attempts = '0'; // an admin unlocking resets the counter
    }
    if (patch.email !== undefined) row.email = patch.email;
    if (patch.password !== undefined) creds.password = patch.password;
    if (patch.roles !== undefined) creds.roles = [...patch.roles];
    if (patch.mfa !== undefined) creds.mfa = patch.mfa;
    if (patch.mfaCode !== undefined) creds.mfaCode = patch.mfaCode;
    row.sys_updated_on = glideDateTime();
    return this.userView(row);
  }

  removeUser(userName: string): void {
    const row = this.userRow(userName);
    if (!row?.sys_id) return;
    this.credentials.delete(row.sys_id);
    this.table('sys_user').remove(row.sys_id);
  }

  getUser(userName: string): SimUserView | undefined {
    const row = this.userRow(userName);
    return row ? this.userView(row) : undefined;
  }

  /** Consecutive failed logins since the last success (sys_user.failed_attempts). */
  failedLogins(userName: string): number {
    return this.getUser(userName)?.failedAttempts ?? 0;
  }

  // ---- configuration record ------------------------------------------------------------------

  configRecord(): SimConfigRecord | undefined {
    const row = this.configRow();
    if (!row) return undefined;
    return {
      sys_id: row.sys_id ?? '',
      api_endpoint: row.api_endpoint ?? '',
      service_account_id: row.service_account_id ?? '',
      access_key: row.access_key ?? '',
      secret_key: row.secret_key ? this.cipher.decrypt(row.secret_key) : '',
      sys_updated_by: row.sys_updated_by ?? '',
      sys_updated_on: row.sys_updated_on ?? '',
      sys_mod_count: Number(row.sys_mod_count ?? '0'),
    };
  }

  /** Changes the record (creating it when the table is empty); secret_key is given in clear. */
  setConfigRecord(patch: SimConfigPatch): SimConfigRecord {
    const table = this.table(this.configTableName);
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (typeof v === 'string') values[k] = k === 'secret_key' ? this.cipher.encrypt(v) : v;
    }
    const row = this.configRow();
    if (row) table.update(row, values, 'admin');
    else table.insert(values, 'admin');
    return this.configRecord() as SimConfigRecord;
  }

  /** Empties the configuration table (the app installed but never configured). */
  removeConfigRecord(): void {
    this.table(this.configTableName).rows.length = 0;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  /** Every request, routed or not, goes through here: the order of checks is the instance's. */
  handle(req: SimRequest, routed: boolean): SimReply {
    const presented = parseBasicAuth(req.headers)?.userName;
    const reply = this.answer(req, routed);
    this.requests.push({
      method: req.method,
      path: req.path,
      query: new URLSearchParams(req.query).toString(),
      user: presented,
      status: reply.status,
    });
    return reply;
  }

  private answer(req: SimRequest, routed: boolean): SimReply {
    if (this.hibernating) return hibernationPage();

    const auth = authenticate(req.headers, (name) => this.authUser(name), this.maxFailedLogins);
    if (!auth.ok) return notAuthenticated(auth.mfaInvalid);

    const limitHeaders = this.rateLimitHeaders();
    if (this.rateLimit && limitHeaders) {
      if (this.rateLimit.remaining <= 0) {
        return rateLimited(
          { ...limitHeaders, 'retry-after': String(this.rateLimit.resetSeconds) },
          this.rateLimit.limit ?? 100,
        );
      }
      this.rateLimit.remaining -= 1;
    }

    const reply = !passesApiAcl(auth.user.credentials.roles)
      ? apiAclFailed()
      : routed
        ? handleTableRequest(req, { tables: this.tables, cipher: this.cipher, caller: auth.user })
        : noSuchResource();
    return limitHeaders ? { ...reply, headers: { ...reply.headers, ...limitHeaders } } : reply;
  }

  private rateLimitHeaders(): Record<string, string> | undefined {
    if (!this.rateLimit) return undefined;
    return {
      'x-ratelimit-limit': String(this.rateLimit.limit ?? 100),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + this.rateLimit.resetSeconds),
      'x-ratelimit-rule': RATE_LIMIT_RULE_ID,
    };
  }

  // ---- internals -----------------------------------------------------------------------------

  private table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw new Error(`no table ${name}`);
    return t;
  }

  private userRow(userName: string): Record<string, string> | undefined {
    const wanted = userName.toLowerCase();
    return this.table('sys_user').rows.find((r) => r.user_name?.toLowerCase() === wanted);
  }

  private configRow(): Record<string, string> | undefined {
    const rows = [...this.table(this.configTableName).rows];
    rows.sort((a, b) => (a.sys_created_on ?? '').localeCompare(b.sys_created_on ?? ''));
    return rows[0];
  }

  private credentialsOf(row: Record<string, string>): Credentials {
    const creds = this.credentials.get(row.sys_id ?? '');
    if (!creds) throw new Error(`no credentials for ${row.user_name}`);
    return creds;
  }

  private authUser(userName: string): AuthUser | undefined {
    const row = this.userRow(userName);
    return row ? { row, credentials: this.credentialsOf(row) } : undefined;
  }

  private userView(row: Record<string, string>): SimUserView {
    const creds = this.credentialsOf(row);
    return {
      sysId: row.sys_id ?? '',
      userName: row.user_name ?? '',
      active: row.active === 'true',
      lockedOut: row.locked_out === 'true',
      roles: [...creds.roles],
      mfa: creds.mfa,
      failedAttempts: Number(row.failed_attempts || '0'),
    };
  }
}

const TABLE_PATHS = [
  '/api/now/table/:table',
  '/api/now/table/:table/:sys_id',
  '/api/now/:version/table/:table',
  '/api/now/:version/table/:table/:sys_id',
];
// POST (insert) and DELETE are not modelled: the bot never creates or deletes records.
const METHODS = ['GET', 'PUT', 'PATCH'];

export async function startServiceNowSim(opts: ServiceNowSimOptions = {}): Promise<ServiceNowSim> {
  const seed = opts.seed ?? defaultSeed();
  const faults = noFaults();
  const cipher = new FieldCipher();
  const tables = new Map<string, Table>();
  tables.set('sys_user', new Table(sysUserTable()));
  tables.set(seed.servicenow.configTable, new Table(configTable(seed.servicenow.configTable)));

  // The handlers need the sim and the sim needs the running server: bind through a late reference.
  const ref: { sim?: ServiceNowSim } = {};
  const handle = (req: SimRequest, routed: boolean): SimReply => {
    if (!ref.sim) return { status: 503, body: 'starting' };
    return ref.sim.handle(req, routed);
  };
  const router = new SimRouter();
  for (const path of TABLE_PATHS) for (const m of METHODS) router.on(m, path, (req) => handle(req, true));

  const server = await startSimServer({
    router,
    port: opts.port,
    faults,
    notFound: (req) => handle(req, false),
  });
  const sim = new ServiceNowSim({
    server,
    faults,
    seed,
    tables,
    cipher,
    maxFailedLogins: opts.maxFailedLogins ?? 5,
  });
  ref.sim = sim;
  seedWorld(sim, seed, opts.cloudknoxApiUrl ?? '');
  return sim;
}

function seedWorld(sim: ServiceNowSim, seed: SeedCredentials, cloudknoxApiUrl: string): void {
  const sn = seed.servicenow;
  sim.setUser(sn.botUsername, {
    password: sn.botPassword,
    roles: [ROLE.internal, ROLE.cloudknoxAdmin],
    email: 'cloudknox.chatops@example.invalid',
  });
  sim.setUser(sn.integrationUsername, {
    password: sn.integrationPassword,
    roles: [ROLE.internal, ROLE.cloudknoxIntegration],
    email: 'cloudknox.endpoint@example.invalid',
  });
  sim.setUser(NO_CLOUDKNOX_ROLE_USER.userName, {
    password: NO_CLOUDKNOX_ROLE_USER.password,
    roles: [ROLE.internal],
    email: 'abel.tuter@example.invalid',
  });
  sim.setConfigRecord({
    api_endpoint: cloudknoxApiUrl,
    service_account_id: seed.cloudknox.serviceAccountId,
    access_key: seed.cloudknox.accessKey,
    secret_key: seed.cloudknox.secretKey,
  });
}
