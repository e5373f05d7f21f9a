/**
 * The subset of ServiceNow encoded queries (`sysparm_query`) the simulator understands:
 * conditions joined by `^` (AND), `^^` for a literal caret, operators `=`, `!=`, `STARTSWITH`, `LIKE`,
 * `IN`, `ISEMPTY`, `ISNOTEMPTY`, ordering by `ORDERBY<field>` / `ORDERBYDESC<field>`, and the `EQ`
 * terminator the list UI appends. As on a real instance with the default
 * glide.invalid_query.returns_no_rows=false, a condition on a field the table does not have is
 * ignored, not an error. String comparison is case-insensitive, as on ServiceNow's databases.
 */
export type Row = Record<string, string>;

interface Condition {
  field: string;
  op: '=' | '!=' | 'STARTSWITH' | 'LIKE' | 'IN' | 'ISEMPTY' | 'ISNOTEMPTY';
  value: string;
}

interface Order {
  field: string;
  desc: boolean;
}

export interface ParsedQuery {
  conditions: Condition[];
  order: Order[];
}

const CARET = '\u0000';

export function parseEncodedQuery(query: string): ParsedQuery {
  const conditions: Condition[] = [];
  const order: Order[] = [];
  const terms = query
    .replaceAll('^^', CARET)
    .split('^')
    .map((t) => t.replaceAll(CARET, '^'))
    .filter((t) => t !== '' && t !== 'EQ');
  for (const term of terms) {
    const orderBy = /^ORDERBY(DESC)?([a-z0-9_.]+)$/.exec(term);
    if (orderBy) {
      order.push({ field: orderBy[2] ?? '', desc: orderBy[1] !== undefined });
      continue;
    }
    const cond = /^([a-z0-9_.]+?)(ISNOTEMPTY|ISEMPTY|STARTSWITH|LIKE|IN|!=|=)(.*)$/s.exec(term);
    if (cond) {
      conditions.push({ field: cond[1] ?? '', op: cond[2] as Condition['op'], value: cond[3] ?? '' });
    }
    // Anything else (OR, NQ, operators we do not model) is dropped, like an invalid term would be.
  }
  return { conditions, order };
}

export function applyQuery(rows: Row[], query: ParsedQuery, fields: ReadonlySet<string>): Row[] {
  const usable = query.conditions.filter((c) => fields.has(c.field));
  const matched = rows.filter((row) => usable.every((c) => matches(row[c.field] ?? '', c)));
  const order = query.order.filter((o) => fields.has(o.field));
  if (order.length === 0) return matched;
  return [...matched].sort((a, b) => {
    for (const o of order) {
      const cmp = (a[o.field] ?? '').localeCompare(b[o.field] ?? '');
      if (cmp !== 0) return o.desc ? -cmp : cmp;
    }
    return 0;
  });
}

function matches(actual: string, c: Condition): boolean {
  const a = actual.toLowerCase();
  const v = c.value.toLowerCase();
  switch (c.op) {
    case '=':
      return a === v;
    case '!=':
      return a !== v;
    case 'STARTSWITH':
      return a.startsWith(v);
    case 'LIKE':
      return a.includes(v);
    case 'IN':
      return v.split(',').includes(a);
    case 'ISEMPTY':
      return a === '';
    case 'ISNOTEMPTY':
      return a !== '';
  }
}
