import type { SimReply, SimRequest } from '../http-server.js';
import type { AuthUser } from './auth.js';
import { applyQuery, parseEncodedQuery } from './encoded-query.js';
import type { FieldCipher } from './encrypted-field.js';
import {
  badPayload,
  failure,
  invalidTable,
  noSuchResource,
  ok,
  recordNotFound,
  tableReadDenied,
  v1EmptyResult,
  writeDenied,
} from './responses.js';
import { hasAnyRole } from './roles.js';
import { project, type Table } from './tables.js';

/**
 * The Table API operations, once the caller is authenticated and past the API-level ACL:
 * GET a list (`sysparm_query`, `sysparm_fields`, `sysparm_limit`, `sysparm_offset`), GET, PATCH and
 * PUT one record. PUT updates only the fields it is given, like PATCH, as the real Table API does.
 */
export interface TableApiContext {
  tables: ReadonlyMap<string, Table>;
  cipher: FieldCipher;
  caller: AuthUser;
}

export type ApiVersion = 'v1' | 'v2';

/** `undefined` (the default URL) is the latest version, v2. */
export function apiVersion(raw: string | undefined): ApiVersion | undefined {
  if (raw === undefined || raw === 'v2') return 'v2';
  if (raw === 'v1') return 'v1';
  return undefined;
}

export function handleTableRequest(req: SimRequest, ctx: TableApiContext): SimReply {
  const version = apiVersion(req.params.version);
  if (!version) return noSuchResource();
  const tableName = req.params.table ?? '';
  const table = ctx.tables.get(tableName);
  if (!table) return invalidTable(tableName);

  const sysId = req.params.sys_id;
  if (req.method === 'GET') {
    if (!hasAnyRole(ctx.caller.credentials.roles, table.def.readRoles))
      return tableReadDenied(table.def.name);
    return sysId === undefined ? list(req, table, version) : getOne(req, table, sysId);
  }
  if ((req.method === 'PATCH' || req.method === 'PUT') && sysId !== undefined) {
    return update(req, table, sysId, ctx);
  }
  return noSuchResource();
}

function fieldsParam(req: SimRequest): string[] | undefined {
  const raw = req.query.get('sysparm_fields');
  if (raw === null || raw.trim() === '') return undefined;
  return raw.split(',').map((f) => f.trim());
}

function list(req: SimRequest, table: Table, version: ApiVersion): SimReply {
  const offset = Number(req.query.get('sysparm_offset') ?? '0');
  if (Number.isInteger(offset) && offset < 0) {
    return failure(400, `offset is ${offset}`, 'Negative offset is not supported');
  }
  const limitRaw = Number(req.query.get('sysparm_limit') ?? '10000');
  const limit = Number.isInteger(limitRaw) && limitRaw > 0 ? limitRaw : 10000;

  const query = parseEncodedQuery(req.query.get('sysparm_query') ?? '');
  const matched = applyQuery(table.rows, query, table.fieldSet);
  const page = matched.slice(Number.isInteger(offset) ? offset : 0).slice(0, limit);
  if (page.length === 0 && version === 'v1') return v1EmptyResult();
  const fields = fieldsParam(req);
  return ok(
    page.map((r) => project(r, fields)),
    { 'x-total-count': String(matched.length) },
  );
}

function getOne(req: SimRequest, table: Table, sysId: string): SimReply {
  const row = table.get(sysId);
  if (!row) return recordNotFound();
  return ok(project(row, fieldsParam(req)));
}

function update(req: SimRequest, table: Table, sysId: string, ctx: TableApiContext): SimReply {
  const row = table.get(sysId);
  if (!row) return recordNotFound();
  if (!hasAnyRole(ctx.caller.credentials.roles, table.def.writeRoles)) return writeDenied();

  let body: unknown;
  try {
    body = req.rawBody === '' ? {} : JSON.parse(req.rawBody);
  } catch {
    return badPayload();
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return badPayload();

  // With sysparm_input_display_value=true the values are what a person would type, so an encrypted
  // field encrypts its clear text. Without it the value is stored as given, as if it were ciphertext.
  const displayInput = req.query.get('sysparm_input_display_value') === 'true';
  const values: Record<string, string> = {};
  for (const [field, value] of Object.entries(body)) {
    if (value === null || typeof value === 'object') continue;
    const text = String(value);
    values[field] = table.def.encrypted.has(field) && displayInput ? ctx.cipher.encrypt(text) : text;
  }
  table.update(row, values, ctx.caller.row.user_name ?? '');
  return ok(project(row, fieldsParam(req)));
}
