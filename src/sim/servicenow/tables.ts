import { randomBytes } from 'node:crypto';
import type { Row } from './encoded-query.js';
import { ROLE } from './roles.js';

/**
 * In-memory tables. Every value is a string, as ServiceNow stores and returns them ("true"/"false"
 * for booleans, "" for unset). Each table lists its fields, the roles its read and write ACLs accept,
 * and which fields are Password (2 Way Encrypted).
 */
export interface TableDef {
  name: string;
  fields: readonly string[];
  readRoles: readonly string[];
  writeRoles: readonly string[];
  encrypted: ReadonlySet<string>;
}

const SYSTEM_FIELDS = [
  'sys_id',
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
  'sys_mod_count',
];

export function sysUserTable(): TableDef {
  return {
    name: 'sys_user',
    fields: [
      ...SYSTEM_FIELDS,
      'user_name',
      'first_name',
      'last_name',
      'email',
      'active',
      'locked_out',
      'failed_attempts',
    ],
    readRoles: [ROLE.userAdmin, ROLE.itil, ROLE.cloudknoxAdmin, ROLE.cloudknoxIntegration],
    writeRoles: [ROLE.userAdmin],
    encrypted: new Set(),
  };
}

export function configTable(name: string): TableDef {
  return {
    name,
    fields: [...SYSTEM_FIELDS, 'api_endpoint', 'service_account_id', 'access_key', 'secret_key'],
    readRoles: [ROLE.cloudknoxAdmin],
    writeRoles: [ROLE.cloudknoxAdmin],
    encrypted: new Set(['secret_key']),
  };
}

export function newSysId(): string {
  return randomBytes(16).toString('hex');
}

/** ServiceNow's internal date-time format, in UTC: `2024-05-01 09:30:00`. */
export function glideDateTime(d = new Date()): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export class Table {
  readonly rows: Row[] = [];
  readonly fieldSet: ReadonlySet<string>;

  constructor(readonly def: TableDef) {
    this.fieldSet = new Set(def.fields);
  }

  insert(values: Partial<Row>, by: string): Row {
    const now = glideDateTime();
    const row: Row = {};
    for (const f of this.def.fields) row[f] = '';
    for (const [k, v] of Object.entries(values)) if (this.fieldSet.has(k) && v !== undefined) row[k] = v;
    row.sys_id ||= newSysId();
    Object.assign(row, { sys_created_on: now, sys_created_by: by, sys_updated_on: now, sys_updated_by: by });
    row.sys_mod_count = '0';
    this.rows.push(row);
    return row;
  }

  get(sysId: string): Row | undefined {
    return this.rows.find((r) => r.sys_id === sysId);
  }

  /** Writes the given fields; system fields and unknown fields are ignored, as the Table API does. */
  update(row: Row, values: Record<string, string>, by: string): Row {
    for (const [k, v] of Object.entries(values)) {
      if (this.fieldSet.has(k) && !k.startsWith('sys_')) row[k] = v;
    }
    row.sys_updated_on = glideDateTime();
    row.sys_updated_by = by;
    row.sys_mod_count = String(Number(row.sys_mod_count ?? '0') + 1);
    return row;
  }

  remove(sysId: string): void {
    const i = this.rows.findIndex((r) => r.sys_id === sysId);
    if (i >= 0) this.rows.splice(i, 1);
  }
}

/** Projects a row onto sysparm_fields (all fields when absent); unknown names are left out. */
export function project(row: Row, fields: string[] | undefined): Row {
  if (!fields) return { ...row };
  const out: Row = {};
  for (const f of fields) if (f in row) out[f] = row[f] ?? '';
  return out;
}
