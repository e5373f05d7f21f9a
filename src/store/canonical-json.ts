/**
 * The one serialisation of stored values. Object keys are sorted, so two values that are equal as
 * data have the same text whatever order their keys were built in: `compareAndSet` compares these
 * texts (in a Lua script on Redis), and a stored `{a, b}` must match an expected `{b, a}`.
 *
 * Values that JSON would silently change (NaN becoming null, a Map becoming `{}`) are refused
 * instead, so what is read back is what was written.
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => normalise(v));
  if (text === undefined) {
    throw new TypeError('store values must be JSON data: undefined, functions and symbols cannot be stored');
  }
  return text;
}

function normalise(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw new TypeError('store values must be JSON data: NaN and Infinity cannot be stored');
  }
  if (v instanceof Map || v instanceof Set) {
    throw new TypeError('store values must be JSON data: convert Maps and Sets to arrays or objects first');
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  }
  return v;
}
