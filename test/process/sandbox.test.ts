import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The offline quick start: `npm run sandbox` with piped input runs each line, prints what Slack
 * would show, and exits 0 at the end of input (issue 2 acceptance 1, issue 4 acceptance 7).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

function sandbox(input: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/sandbox/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('exit', (code) => resolve({ code, out }));
    child.stdin.end(input);
  });
}

describe('npm run sandbox with piped input', () => {
  it('shows one result for servicenow test, with a line per check and the key masked', async () => {
    const { code, out } = await sandbox('/cloudknox servicenow test\n');
    expect(code).toBe(0);
    expect(out).toContain('CloudKnox → ServiceNow');
    expect(out).toContain('ServiceNow integration user');
    expect(out).toContain('ServiceNow → CloudKnox');
    expect(out).toContain('Connection successful, please Save');
    expect(out).toContain('••••BHCN');
    expect(out).not.toContain('AKCK7Q2M9XW4PL8ZBHCN');
  }, 60_000);

  it('runs the whole key rotation from the script kept in the repo', async () => {
    const script = readFileSync(new URL('../../sandbox/rotate-keys.txt', import.meta.url), 'utf8');
    const { code, out } = await sandbox(script);
    expect(code).toBe(0);
    expect(out).toContain('Only CloudKnox approvers can approve key rotations'); // the requester cannot approve
    expect(out).toContain('Approved by @alex.approver');
    expect(out).toContain('Your CloudKnox verification code is'); // the email, shown to the person
    expect(out).toContain('That code is not right. 4 attempts left.');
    expect(out).toMatch(/Rotated\*: ServiceNow now uses ••••\w{4}; the old key ••••BHCN is revoked/);
    expect(out).not.toContain('(sandbox)'); // no step of the script failed
  }, 60_000);
});
