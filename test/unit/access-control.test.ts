import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/access/access-control.js';

function control(groups: Record<string, string[] | Error>, calls: string[] = [], now = () => 0) {
  return new AccessControl({
    admins: ['U0ADMIN001', 'S0SECADMIN'],
    approvers: ['W0GRIDUSR1', 'S0APPROVER'],
    groupMembers: async (id) => {
      calls.push(id);
      const g = groups[id];
      if (g instanceof Error) throw g;
      return g ?? [];
    },
    now,
  });
}

describe('AccessControl', () => {
  it('allows a listed user ID without asking Slack', async () => {
    const calls: string[] = [];
    expect(await control({}, calls).check('U0ADMIN001', ['admin'])).toEqual({ allowed: true });
    expect(calls).toEqual([]);
  });

  it('allows Enterprise Grid W… IDs', async () => {
    expect(await control({}).check('W0GRIDUSR1', ['approver'])).toEqual({ allowed: true });
  });

  it('allows a member of a listed user group', async () => {
    expect(await control({ S0SECADMIN: ['U0NEWADM01'] }).check('U0NEWADM01', ['admin'])).toEqual({
      allowed: true,
    });
  });

  it('refuses someone in no list, naming who may act', async () => {
    const d = await control({ S0SECADMIN: [] }).check('U0OUTSID01', ['admin']);
    expect(d).toEqual({ allowed: false, reason: 'not_listed', allowedIds: ['U0ADMIN001', 'S0SECADMIN'] });
  });

  it('fails closed when the group lookup fails', async () => {
    const d = await control({ S0SECADMIN: new Error('missing_scope') }).check('U0NEWADM01', ['admin']);
    expect(d).toMatchObject({ allowed: false, reason: 'group_lookup_failed' });
  });

  it('does not let an approver act as an admin', async () => {
    expect(await control({ S0APPROVER: ['U0APPROV01'] }).check('U0APPROV01', ['admin'])).toMatchObject({
      allowed: false,
    });
    expect(await control({ S0APPROVER: ['U0APPROV01'] }).check('U0APPROV01', ['admin', 'approver'])).toEqual({
      allowed: true,
    });
  });

  it('caches group members briefly, then asks again', async () => {
    const calls: string[] = [];
    let t = 0;
    const ac = control({ S0SECADMIN: ['U0NEWADM01'] }, calls, () => t);
    await ac.check('U0NEWADM01', ['admin']);
    await ac.check('U0NEWADM01', ['admin']);
    expect(calls).toEqual(['S0SECADMIN']);
    t = 61_000;
    await ac.check('U0NEWADM01', ['admin']);
    expect(calls).toEqual(['S0SECADMIN', 'S0SECADMIN']);
  });
});
