import { describe, expect, it } from 'vitest';
import { parseCommandText, type ParsedCommand } from '../../src/slack/command-text.js';

type Expect =
  ParsedCommand['kind'] | { kind: 'keys_rotate'; reason: string | undefined } | { suggestion: string };

// Text exactly as Slack delivers it with "escape channels, users and links" on.
const CASES: Array<[string, Expect]> = [
  ['', 'help'],
  ['   ', 'help'],
  ['help', 'help'],
  ['HELP', 'help'],
  ['--help', 'help'],
  ['-h', 'help'],
  ['?', 'help'],
  ['servicenow test', 'servicenow_test'],
  ['ServiceNow Test', 'servicenow_test'],
  ['  servicenow    test  ', 'servicenow_test'],
  ['servicenow\ttest', 'servicenow_test'],
  ['servicenow\u00a0test', 'servicenow_test'],
  ['sn test', 'servicenow_test'],
  ['snow test', 'servicenow_test'],
  ['service-now test', 'servicenow_test'],
  ['service\u2013now test', 'servicenow_test'],
  ['servicenow show', 'servicenow_show'],
  ['servicenow view', 'servicenow_show'],
  ['servicenow save', 'servicenow_save'],
  ['SERVICENOW SAVE', 'servicenow_save'],
  ['keys show', 'keys_show'],
  ['keys list', 'keys_show'],
  ['key show', 'keys_show'],
  ['keys rotate', { kind: 'keys_rotate', reason: undefined }],
  ['keys rotate quarterly rotation', { kind: 'keys_rotate', reason: 'quarterly rotation' }],
  ['keys rotate \u201cleaked in CI\u201d', { kind: 'keys_rotate', reason: 'leaked in CI' }],
  ['keys rotate \u2018audit\u2019', { kind: 'keys_rotate', reason: 'audit' }],
  ['keys rotate R&amp;D asked', { kind: 'keys_rotate', reason: 'R&D asked' }],
  ['keys rotate &lt;script&gt;', { kind: 'keys_rotate', reason: '<script>' }],
  [
    'keys rotate for <@U0APPROV01|alex.approver>',
    { kind: 'keys_rotate', reason: 'for <@U0APPROV01|alex.approver>' },
  ],
  ['keys rotate see <#C0SECOPS01|secops>', { kind: 'keys_rotate', reason: 'see <#C0SECOPS01|secops>' }],
  [
    'keys rotate cc <!subteam^S0SECADMIN|@secadmins>',
    { kind: 'keys_rotate', reason: 'cc <!subteam^S0SECADMIN|@secadmins>' },
  ],
  [
    'keys rotate :rotating_light: incident 42',
    { kind: 'keys_rotate', reason: ':rotating_light: incident 42' },
  ],
  ['keys rotate 🔑 leaked 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', { kind: 'keys_rotate', reason: '🔑 leaked 𝔘𝔫𝔦𝔠𝔬𝔡𝔢' }],
  ['keys rotate \u2014 after offboarding', { kind: 'keys_rotate', reason: '- after offboarding' }],
  ['servicenow tset', { suggestion: 'servicenow test' }],
  ['servicenwo test', { suggestion: 'servicenow test' }],
  ['servicenow', { suggestion: 'servicenow show' }],
  ['key rotat', { suggestion: 'keys rotate' }],
  ['hlep', { suggestion: 'help' }],
  ['kyes show', { suggestion: 'keys show' }],
  ['rotate', 'unknown'],
  [':tada:', 'unknown'],
  ['<@U0ADMIN001|ada.admin>', 'unknown'],
  ['&lt;!channel&gt;', 'unknown'],
  ['x'.repeat(4000), 'unknown'],
  ['servicenow test\u0000\u0007', 'servicenow_test'],
  ['\u200bservicenow test', 'servicenow_test'],
  ['😀'.repeat(2000), 'unknown'],
  ['test', { suggestion: 'servicenow test' }],
  ['save', { suggestion: 'servicenow save' }],
  ['\u2019servicenow\u2019 \u201ctest\u201d', 'servicenow_test'],
  ['servicenow save please use https://evil.example', { suggestion: 'servicenow save' }],
  ['keys show everything', { suggestion: 'keys show' }],
  ['audit', 'audit'],
  ['audit 5', 'audit'],
];

describe('parseCommandText', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES)('%j', (text, expected) => {
    const parsed = parseCommandText(text);
    if (typeof expected === 'string') expect(parsed.kind).toBe(expected);
    else if ('suggestion' in expected) {
      expect(parsed.kind).toBe('unknown');
      expect(parsed).toMatchObject({ suggestion: expected.suggestion });
    } else expect(parsed).toEqual(expected);
  });

  it('quotes back at most 60 characters of what was typed', () => {
    const parsed = parseCommandText('x'.repeat(4000));
    expect(parsed.kind === 'unknown' && Array.from(parsed.input).length).toBe(60);
  });

  it('caps a rotation reason at 500 characters', () => {
    const parsed = parseCommandText(`keys rotate ${'r'.repeat(4000)}`);
    expect(parsed.kind === 'keys_rotate' && parsed.reason?.length).toBe(500);
  });

  it('reads how many audit events to list, within 1 to 100', () => {
    expect(parseCommandText('audit')).toEqual({ kind: 'audit', count: 20 });
    expect(parseCommandText('audit 5')).toEqual({ kind: 'audit', count: 5 });
    expect(parseCommandText('audit 1000')).toEqual({ kind: 'audit', count: 100 });
  });

  it('suggests nothing for text that resembles no subcommand', () => {
    expect(parseCommandText('please delete everything')).toMatchObject({
      kind: 'unknown',
      suggestion: undefined,
    });
  });
});
