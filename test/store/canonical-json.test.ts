import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../../src/store/canonical-json.js';

describe('canonicalJson', () => {
  test('equal data gives equal text, whatever the key order and nesting', () => {
    const a = { b: 1, a: { d: [{ y: 1, x: 2 }], c: null } };
    const b = { a: { c: null, d: [{ x: 2, y: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}');
  });

  test('keeps array order and JSON conversions (Date via toJSON, undefined properties dropped)', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson({ at: new Date('2024-01-02T03:04:05.000Z'), gone: undefined })).toBe(
      '{"at":"2024-01-02T03:04:05.000Z"}',
    );
  });

  test('refuses what JSON would silently change or drop', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
    expect(() => canonicalJson({ n: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson([Number.NaN])).toThrow(TypeError);
    expect(() => canonicalJson({ s: new Set([1]) })).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
  });
});
