import { describe, expect, it } from 'vitest';
import { HIDDEN, maskAccessKey, maskEmail, maskSecret } from '../../src/masking.js';

describe('maskAccessKey', () => {
  it.each([
    ['AKCK7Q2M9XW4PL8ZBHCN', '••••BHCN'],
    ['  AKCK7Q2M9XW4PL8ZBHCN ', '••••BHCN'],
    ['123456789', '••••6789'],
  ])('%s → %s', (key, shown) => expect(maskAccessKey(key)).toBe(shown));

  it('never shows a short key whole', () => {
    for (const key of ['A', 'ABCD', 'ABCDEFGH']) expect(maskAccessKey(key)).toBe('••••');
  });

  it('says (none) for empty values instead of printing dots for a key that does not exist', () => {
    expect(maskAccessKey('')).toBe('(none)');
    expect(maskAccessKey(undefined)).toBe('(none)');
    expect(maskAccessKey(null)).toBe('(none)');
  });

  it('keeps non-BMP characters whole when taking the last four', () => {
    const shown = maskAccessKey('ABCDEFGHIJ😀😀😀😀');
    expect(shown).toBe('••••😀😀😀😀');
    expect(shown).not.toContain('\uD83D\u0000');
  });
});

describe('maskSecret', () => {
  it('is the word hidden whatever the value', () => {
    for (const v of ['s3cr3t', '', undefined, 'ü', '🔑']) expect(maskSecret(v)).toBe(HIDDEN);
  });
});

describe('maskEmail', () => {
  it.each([
    ['secops-admins@contoso.com', 's•••@contoso.com'],
    ['ü.müller@beispiel.de', 'ü•••@beispiel.de'],
    ['a@b.io', 'a•••@b.io'],
  ])('%s → %s', (email, shown) => expect(maskEmail(email)).toBe(shown));

  it('shows only dots for things that are not addresses', () => {
    for (const v of ['not-an-email', '@contoso.com', 'x@']) expect(maskEmail(v)).toBe('•••');
    expect(maskEmail('')).toBe('(none)');
  });
});
