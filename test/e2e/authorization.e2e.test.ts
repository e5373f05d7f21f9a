import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';

/** Issue 3 acceptance 3, through the real app: IDs and groups, failing group lookups, impersonation. */
const { secops } = SLACK_SEED.channels;
let world: World;
afterEach(async () => world?.close());

const keysShow = (w: World, userId: string) =>
  w.slack.driver.slashCommand({ userId, channelId: secops, text: 'keys show' });

describe('who may run commands', () => {
  it('a listed user ID is allowed', async () => {
    world = await startWorld({ env: { CLOUDKNOX_ADMINS: SLACK_SEED.users.admin } });
    const res = await keysShow(world, SLACK_SEED.users.admin);
    expect(res.body).not.toContain('Only CloudKnox');
  });

  it('a member of a listed user group is allowed (resolved with usergroups.users.list)', async () => {
    world = await startWorld({ env: { CLOUDKNOX_ADMINS: SLACK_SEED.groups.secAdmins } });
    const res = await keysShow(world, SLACK_SEED.users.admin);
    expect(res.body).not.toContain('Only CloudKnox');
    expect(
      world.slack.calls.some(
        (c) => c.method === 'usergroups.users.list' && c.args.usergroup === SLACK_SEED.groups.secAdmins,
      ),
    ).toBe(true);
  });

  it('a failing group lookup refuses with a clear message (fail closed)', async () => {
    world = await startWorld({
      env: {
        CLOUDKNOX_ADMINS: SLACK_SEED.groups.secAdmins,
        CLOUDKNOX_APPROVERS: SLACK_SEED.groups.approvers,
      },
    });
    world.slack.workspace.groupLookupError = 'missing_scope';
    const res = await keysShow(world, SLACK_SEED.users.admin);
    expect(res.body).toContain("couldn't check your user-group membership");
    expect(res.body).toContain("can't run `/cloudknox keys show` at the moment");
  });

  it('someone who renamed themselves after an admin is refused', async () => {
    world = await startWorld({ env: { CLOUDKNOX_ADMINS: SLACK_SEED.users.admin } });
    world.slack.workspace.addUser({ id: 'U0IMPOSTR1', name: 'ada.admin', realName: 'Ada Admin' });
    const res = await keysShow(world, 'U0IMPOSTR1');
    expect(res.body).toContain('Only CloudKnox admins or CloudKnox approvers can run');
  });

  it.each([
    ['slow', (w: World) => ((w.slack.faults.latencyMs = 2500), (w.slack.faults.latencyMatch = 'usergroups'))],
    [
      'rate-limiting',
      (w: World) => w.slack.failNext('usergroups.users.list', 'ratelimited', { retryAfter: 4 }),
    ],
    ['failing', (w: World) => (w.slack.faults.status = { code: 500, match: 'usergroups' })],
  ])("a %s group lookup is still a clear refusal within Slack's 3 s", async (_name, arrange) => {
    world = await startWorld({ env: { CLOUDKNOX_ADMINS: SLACK_SEED.groups.secAdmins } });
    arrange(world);
    const res = await keysShow(world, SLACK_SEED.users.admin);
    expect(res.timedOut).toBe(false);
    expect(res.body).toContain("couldn't check your user-group membership");
  });
});
