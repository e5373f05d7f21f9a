import type { z } from 'zod';
import { parseJsonBody, send, type TransportRequest, type TransportResponse } from '../http-transport.js';
import type { OutboundPolicy } from '../outbound-policy.js';
import type { RetryClass } from '../retry-policy.js';
import { basicAuthorization } from './basic-auth.js';
import { assertSysId, assertTableName, encodedQueryValue } from './encoded-query.js';
import { normalizeInstanceUrl } from './instance-url.js';
import {
  badResponseError,
  errorFromStatus,
  hibernatingError,
  isHibernationPage,
  isHtml,
  unexpectedBodyError,
  type CallContext,
} from './response-errors.js';
import {
  configRecordSchema,
  listResultSchema,
  singleResultSchema,
  userRecordSchema,
  type ConfigRecord,
} from './schemas.js';

/**
 * The bot's reader and writer of the ServiceNow Table API (DESIGN §5.2): the integration user in
 * `sys_user`, and the CloudKnox app's configuration record. Every failure is an UpstreamError with
 * service 'servicenow'.
 *
 * Reads (GET) are retried on 5xx, resets and timeouts (retry-policy.ts); a 401 never is, because a
 * failed login retried blindly locks the ServiceNow account after a few attempts, and a PATCH of the
 * secret key is sent exactly once per rotation step.
 */
export interface ServiceNowClientOptions {
  /** As pasted by an admin; normalised with normalizeInstanceUrl. */
  instanceUrl: string;
  username: string;
  password: string;
  /** Per HTTP attempt, default 10 s. A read may take twice that, retries included (retry-policy.ts). */
  timeoutMs?: number;
  /**
   * Where the client may connect (https, allowed hosts, no internal addresses). The bot always
   * passes one (start-bot.ts); only tests against scripted servers leave it out.
   */
  outbound?: OutboundPolicy | undefined;
}

export interface ServiceNowUser {
  sysId: string;
  userName: string;
  active: boolean;
  lockedOut: boolean;
}

export interface CloudKnoxConfigRecord {
  sysId: string;
  apiEndpoint: string;
  serviceAccountId: string;
  accessKey: string;
}

/** Field names as the configuration table spells them. `secret_key` is a Password (2 Way Encrypted) field. */
export interface ConfigRecordUpdate {
  api_endpoint?: string;
  service_account_id?: string;
  access_key?: string;
  secret_key?: string;
}

const USER_FIELDS = 'sys_id,user_name,active,locked_out';
// secret_key is never asked for: even encrypted, it has no business in our memory or logs.
const CONFIG_FIELDS = 'sys_id,api_endpoint,service_account_id,access_key';

export class ServiceNowClient {
  readonly instanceUrl: string;
  readonly username: string;
  readonly timeoutMs: number;
  // ECMAScript private fields: not enumerable, so a logger or JSON.stringify given the client never
  // sees the password or the Authorization value.
  readonly #password: string;
  readonly #authorization: string;
  readonly #outbound: OutboundPolicy | undefined;

  constructor(opts: ServiceNowClientOptions) {
    this.instanceUrl = normalizeInstanceUrl(opts.instanceUrl);
    const problem = opts.outbound?.urlProblem('servicenow', this.instanceUrl);
    if (problem) throw new TypeError(`The ServiceNow instance URL ${problem.text}`);
    this.#outbound = opts.outbound;
    this.username = opts.username;
    this.#password = opts.password;
    this.#authorization = basicAuthorization(opts.username, opts.password);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** The user with this exact user_name, or undefined when there is none. */
  async getUserByName(userName: string): Promise<ServiceNowUser | undefined> {
    if (userName.trim() === '') throw new Error('getUserByName needs a user name');
    const table = 'sys_user';
    const ctx = this.context(`reading ${table}`, table);
    const records = await this.list(
      table,
      {
        sysparm_query: `user_name=${encodedQueryValue(userName)}`,
        sysparm_limit: '1',
        sysparm_fields: USER_FIELDS,
        sysparm_exclude_reference_link: 'true',
      },
      userRecordSchema,
      ctx,
    );
    // An instance ignores query terms it cannot apply (glide.invalid_query.returns_no_rows=false) and
    // would then hand back some other user; only an exact (case-insensitive, as ServiceNow matches)
    // name counts.
    const found = records.find((r) => r.user_name.toLowerCase() === userName.toLowerCase());
    if (!found) return undefined;
    return {
      sysId: found.sys_id,
      userName: found.user_name,
      active: found.active,
      lockedOut: found.locked_out,
    };
  }

  /** The first (oldest) record of the CloudKnox configuration table, or undefined when it is empty. */
  async getConfigRecord(table: string): Promise<CloudKnoxConfigRecord | undefined> {
    assertTableName(table);
    const ctx = this.context(`reading ${table}`, table);
    const records = await this.list(
      table,
      {
        sysparm_query: 'ORDERBYsys_created_on',
        sysparm_limit: '1',
        sysparm_fields: CONFIG_FIELDS,
        sysparm_exclude_reference_link: 'true',
      },
      configRecordSchema,
      ctx,
    );
    const first = records[0];
    return first ? toConfigRecord(first) : undefined;
  }

  /**
   * PATCHes the configuration record. `sysparm_input_display_value=true` makes ServiceNow treat the
   * values as what a person would type, so the encrypted `secret_key` field encrypts the clear text
   * we send instead of storing it as if it were already ciphertext. Returns the record without secret.
   */
  async updateConfigRecord(
    table: string,
    sysId: string,
    fields: ConfigRecordUpdate,
  ): Promise<CloudKnoxConfigRecord> {
    assertTableName(table);
    assertSysId(sysId);
    const body = pickUpdate(fields);
    if (Object.keys(body).length === 0) throw new Error('updateConfigRecord needs at least one field');
    const sensitive = [fields.secret_key, fields.access_key].filter((v): v is string => v !== undefined);
    const ctx = this.context(`updating ${table}`, table, sensitive);
    const res = await this.request(
      {
        method: 'PATCH',
        url: `${this.instanceUrl}/api/now/table/${table}/${sysId}`,
        searchParams: {
          sysparm_input_display_value: 'true',
          sysparm_fields: CONFIG_FIELDS,
          sysparm_exclude_reference_link: 'true',
        },
        json: body,
      },
      ctx,
      'write',
    );
    const record = this.parse(res, singleResultSchema(configRecordSchema), ctx);
    return toConfigRecord(record.result);
  }

  private async list<T extends z.ZodType>(
    table: string,
    searchParams: Record<string, string>,
    record: T,
    ctx: CallContext,
  ): Promise<z.output<T>[]> {
    const res = await this.request(
      { method: 'GET', url: `${this.instanceUrl}/api/now/table/${table}`, searchParams },
      ctx,
      'read',
      // Table API v1 (still the default on instances pinned to it) answers a query that matches
      // nothing with 404 "No Record found"; v2 answers 200 with an empty list. Both mean "none".
      isV1EmptyResult,
    );
    if (res.status === 404) return [];
    return this.parse(res, listResultSchema(record), ctx).result;
  }

  private async request(
    req: Omit<TransportRequest, 'headers' | 'timeoutMs' | 'retry' | 'outbound'>,
    ctx: CallContext,
    retry: RetryClass,
    acceptError?: (res: TransportResponse) => boolean,
  ): Promise<TransportResponse> {
    const res = await send('servicenow', {
      ...req,
      headers: { authorization: this.#authorization, accept: 'application/json' },
      timeoutMs: this.timeoutMs,
      retry,
      outbound: this.#outbound,
    });
    if (isHibernationPage(res)) throw hibernatingError(res);
    if (res.status >= 200 && res.status < 300) return res;
    if (acceptError?.(res)) return res;
    throw errorFromStatus(res, ctx);
  }

  private parse<T extends z.ZodType>(res: TransportResponse, schema: T, ctx: CallContext): z.output<T> {
    if (isHtml(res)) throw unexpectedBodyError(res, ctx);
    const json = parseJsonBody('servicenow', res);
    const parsed = schema.safeParse(json);
    // zod's issues are not quoted: they can carry field values from the answer.
    if (!parsed.success) throw badResponseError(res, ctx, 'the JSON does not have the expected fields');
    return parsed.data;
  }

  private context(operation: string, table: string, extraSensitive: string[] = []): CallContext {
    return {
      operation,
      table,
      username: this.username,
      sensitive: [
        this.#password,
        encodeURIComponent(this.#password),
        this.#authorization,
        this.#authorization.slice('Basic '.length),
        ...extraSensitive,
      ],
    };
  }
}

function isV1EmptyResult(res: TransportResponse): boolean {
  if (res.status !== 404) return false;
  try {
    const body = JSON.parse(res.body) as { error?: { message?: unknown; detail?: unknown } };
    return (
      body.error?.message === 'No Record found' &&
      typeof body.error.detail === 'string' &&
      body.error.detail.startsWith('Records matching query not found')
    );
  } catch {
    return false;
  }
}

function pickUpdate(fields: ConfigRecordUpdate): ConfigRecordUpdate {
  // Copy only known fields: a stray property would be written to the record as-is.
  const out: ConfigRecordUpdate = {};
  if (fields.api_endpoint !== undefined) out.api_endpoint = fields.api_endpoint;
  if (fields.service_account_id !== undefined) out.service_account_id = fields.service_account_id;
  if (fields.access_key !== undefined) out.access_key = fields.access_key;
  if (fields.secret_key !== undefined) out.secret_key = fields.secret_key;
  return out;
}

function toConfigRecord(r: ConfigRecord): CloudKnoxConfigRecord {
  return {
    sysId: r.sys_id,
    apiEndpoint: r.api_endpoint,
    serviceAccountId: r.service_account_id,
    accessKey: r.access_key,
  };
}
