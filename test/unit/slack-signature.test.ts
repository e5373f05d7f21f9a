import { describe, expect, it } from 'vitest';
import { checkSlackSignature } from '../../src/slack/slack-signature.js';
import { slackSignature } from '../../src/sim/slack/signing.js';

const SECRET = 'test-signing-secret-0123456789abcdef';
const NOW_MS = 1_764_000_000_000;
const TS = String(NOW_MS / 1000);
const BODY = 'token=x&team_id=T0TEAM0001&user_id=U0ADMIN001&command=%2Fcloudknox&text=help';

function check(over: Partial<Parameters<typeof checkSlackSignature>[0]> = {}) {
  return checkSlackSignature({
    signingSecret: SECRET,
    timestamp: TS,
    signature: slackSignature(SECRET, TS, BODY),
    rawBody: Buffer.from(BODY),
    nowMs: NOW_MS,
    ...over,
  });
}

describe('checkSlackSignature', () => {
  it('accepts a request signed as Slack signs it', () => {
    expect(check()).toEqual({ ok: true });
  });

  it('accepts timestamps up to five minutes either side of now', () => {
    for (const delta of [-300, -1, 1, 300]) {
      const ts = String(NOW_MS / 1000 + delta);
      expect(check({ timestamp: ts, signature: slackSignature(SECRET, ts, BODY) })).toEqual({ ok: true });
    }
  });

  it('refuses a body changed after signing', () => {
    expect(check({ rawBody: Buffer.from(BODY.replace('help', 'keys rotate')) })).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('refuses a signature made with another secret', () => {
    expect(check({ signature: slackSignature('another-secret', TS, BODY) })).toMatchObject({
      reason: 'signature mismatch',
    });
  });

  it('refuses a signature over another timestamp (the timestamp is signed too)', () => {
    const other = String(NOW_MS / 1000 - 10);
    expect(check({ signature: slackSignature(SECRET, other, BODY) })).toMatchObject({
      reason: 'signature mismatch',
    });
  });

  it('refuses stale timestamps and ones more than five minutes ahead', () => {
    for (const [delta, reason] of [
      [-301, 'stale timestamp'],
      [301, 'timestamp_in_future'],
      [3600, 'timestamp_in_future'],
    ] as const) {
      const ts = String(NOW_MS / 1000 + delta);
      expect(check({ timestamp: ts, signature: slackSignature(SECRET, ts, BODY) })).toEqual({
        ok: false,
        reason,
      });
    }
  });

  it('refuses signatures of any other shape without comparing them', () => {
    const good = slackSignature(SECRET, TS, BODY);
    for (const signature of [
      good.toUpperCase(),
      good.replace('v0=', 'v1='),
      good.slice(0, -2),
      `${good}00`,
      `${good}, ${good}`,
      'v0=',
      '',
    ]) {
      expect(check({ signature })).toEqual({ ok: false, reason: 'signature mismatch' });
    }
  });

  it('refuses missing, repeated or non-numeric headers', () => {
    const good = slackSignature(SECRET, TS, BODY);
    for (const over of [
      { timestamp: undefined },
      { signature: undefined },
      { timestamp: [TS, TS] },
      { signature: [good, good] },
      { timestamp: `${TS}.0` },
      { timestamp: ` ${TS}` },
      { timestamp: '-1' },
    ]) {
      expect(check(over)).toEqual({ ok: false, reason: 'missing signature headers' });
    }
  });
});
