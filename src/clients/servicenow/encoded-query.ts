/**
 * Values inside a ServiceNow encoded query (`sysparm_query`): `^` separates conditions, so a literal
 * caret is written `^^`. Without this, a name like `a^active=false` would add a condition of its own.
 */
export function encodedQueryValue(value: string): string {
  return value.replaceAll('^', '^^');
}

/** Table names are lower-case identifiers; anything else would change the request path. */
export function assertTableName(table: string): void {
  if (!/^[a-z0-9_]{1,80}$/.test(table)) {
    throw new Error(`"${table}" is not a ServiceNow table name (lower-case letters, digits and _ only)`);
  }
}

/** sys_ids are 32 hexadecimal characters. */
export function assertSysId(sysId: string): void {
  if (!/^[0-9a-f]{32}$/i.test(sysId)) throw new Error(`"${sysId}" is not a ServiceNow sys_id`);
}
