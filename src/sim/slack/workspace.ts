/**
 * The emulated Slack workspace: users, user groups and conversations, seeded with fixed IDs that the
 * tests and the sandbox share. Tests may add to it (`addUser`, `addGroup`, `addChannel`) or make
 * user-group lookups fail (`groupLookupError`).
 */

export const TEAM_ID = 'T0CLOUDKNX';
export const TEAM_DOMAIN = 'contoso-secops';
export const TEAM_NAME = 'Contoso SecOps';
export const APP_ID = 'A0CLOUDKNX';
export const BOT_USER_ID = 'U0CKBOT001';
export const BOT_ID = 'B0CKBOT001';
export const BOT_NAME = 'cloudknox';

export const ADMIN_USER_ID = 'U0ADMIN001';
export const APPROVER_USER_ID = 'U0APPROV01';
export const APPROVER2_USER_ID = 'U0APPROV02';
export const OUTSIDER_USER_ID = 'U0OUTSID01';
export const GRID_USER_ID = 'W0GRIDUSR1';

export const SEC_ADMINS_GROUP_ID = 'S0SECADMIN';
export const APPROVERS_GROUP_ID = 'S0APPROVER';

export const SECOPS_CHANNEL_ID = 'C0SECOPS01';
export const RANDOM_CHANNEL_ID = 'C0RANDOM01';

/** Every seeded ID in one object, for callers that prefer `SLACK_SEED.users.admin`. */
export const SLACK_SEED = {
  team: { id: TEAM_ID, domain: TEAM_DOMAIN, name: TEAM_NAME },
  app: { id: APP_ID, botUserId: BOT_USER_ID, botId: BOT_ID, botName: BOT_NAME },
  users: {
    admin: ADMIN_USER_ID,
    approver: APPROVER_USER_ID,
    approver2: APPROVER2_USER_ID,
    outsider: OUTSIDER_USER_ID,
    gridUser: GRID_USER_ID,
  },
  groups: { secAdmins: SEC_ADMINS_GROUP_ID, approvers: APPROVERS_GROUP_ID },
  channels: { secops: SECOPS_CHANNEL_ID, random: RANDOM_CHANNEL_ID },
} as const;

export interface SlackUser {
  id: string;
  /** The handle (`ada.admin`), what `@name` in typed text refers to. */
  name: string;
  realName: string;
  email: string;
  /** Workspace admin in Slack's sense (not the bot's notion of admin). */
  isAdmin: boolean;
  isBot: boolean;
  deleted: boolean;
  tz: string;
}

export interface SlackUserGroup {
  id: string;
  /** The mention handle (`@secops-admins`), without the `@`. */
  handle: string;
  name: string;
  users: string[];
}

export interface SlackChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  isArchived: boolean;
  /** For a DM: the human on the other side of the bot. */
  imUser?: string;
  /** Member user IDs; the bot is a member when BOT_USER_ID is in here. */
  members: Set<string>;
  created: number;
}

export class Workspace {
  readonly users = new Map<string, SlackUser>();
  readonly groups = new Map<string, SlackUserGroup>();
  readonly channels = new Map<string, SlackChannel>();
  /** When set, `usergroups.users.list` answers `{ok:false, error: groupLookupError}` (e.g. 'missing_scope'). */
  groupLookupError: string | undefined;

  constructor(seed = true) {
    if (seed) this.seed();
  }

  addUser(user: Partial<SlackUser> & { id: string; name: string }): SlackUser {
    const full: SlackUser = {
      realName: user.name,
      email: `${user.name}@contoso.com`,
      isAdmin: false,
      isBot: false,
      deleted: false,
      tz: 'Europe/London',
      ...user,
    };
    this.users.set(full.id, full);
    return full;
  }

  addGroup(group: Partial<SlackUserGroup> & { id: string; handle: string; users: string[] }): SlackUserGroup {
    const full: SlackUserGroup = { name: group.handle, ...group };
    this.groups.set(full.id, full);
    return full;
  }

  addChannel(channel: {
    id: string;
    name: string;
    isPrivate?: boolean;
    isArchived?: boolean;
    /** Human members; defaults to every non-bot user. */
    members?: string[];
    botIsMember?: boolean;
  }): SlackChannel {
    const members = new Set(
      channel.members ?? [...this.users.values()].filter((u) => !u.isBot).map((u) => u.id),
    );
    if (channel.botIsMember ?? true) members.add(BOT_USER_ID);
    const full: SlackChannel = {
      id: channel.id,
      name: channel.name,
      isPrivate: channel.isPrivate ?? false,
      isIm: false,
      isArchived: channel.isArchived ?? false,
      members,
      created: 1_700_000_000,
    };
    this.channels.set(full.id, full);
    return full;
  }

  /** The DM between the bot and a user (created on first use; IDs are `D` + the user ID's tail). */
  dmFor(userId: string): SlackChannel {
    const existing = [...this.channels.values()].find((c) => c.isIm && c.imUser === userId);
    if (existing) return existing;
    const dm: SlackChannel = {
      id: `D${userId.slice(1)}`,
      name: userId,
      isPrivate: true,
      isIm: true,
      isArchived: false,
      imUser: userId,
      members: new Set([userId, BOT_USER_ID]),
      created: 1_700_000_000,
    };
    this.channels.set(dm.id, dm);
    return dm;
  }

  /** Adds a member (a user, or BOT_USER_ID to invite the bot). */
  join(channelId: string, userId: string): void {
    this.channels.get(channelId)?.members.add(userId);
  }

  /** Removes a member (BOT_USER_ID to kick the bot: its posts then fail with not_in_channel). */
  leave(channelId: string, userId: string): void {
    this.channels.get(channelId)?.members.delete(userId);
  }

  userByName(name: string): SlackUser | undefined {
    return [...this.users.values()].find((u) => u.name === name);
  }

  groupByHandle(handle: string): SlackUserGroup | undefined {
    return [...this.groups.values()].find((g) => g.handle === handle);
  }

  channelByName(name: string): SlackChannel | undefined {
    return [...this.channels.values()].find((c) => !c.isIm && c.name === name);
  }

  /** Resolves what Web API methods accept as `channel`: a conversation ID, `#name`, or a user ID (their DM). */
  resolveChannel(ref: string): SlackChannel | undefined {
    if (ref.startsWith('#')) return this.channelByName(ref.slice(1));
    const direct = this.channels.get(ref);
    if (direct) return direct;
    if (this.users.has(ref)) return this.dmFor(ref);
    return undefined;
  }

  isMember(channelId: string, userId: string): boolean {
    return this.channels.get(channelId)?.members.has(userId) ?? false;
  }

  private seed(): void {
    this.addUser({ id: BOT_USER_ID, name: BOT_NAME, realName: 'CloudKnox', isBot: true, email: '' });
    this.addUser({ id: ADMIN_USER_ID, name: 'ada.admin', realName: 'Ada Admin', isAdmin: true });
    this.addUser({ id: APPROVER_USER_ID, name: 'alex.approver', realName: 'Alex Approver', isAdmin: true });
    this.addUser({ id: APPROVER2_USER_ID, name: 'sam.approver', realName: 'Sam Approver' });
    this.addUser({ id: OUTSIDER_USER_ID, name: 'oscar.outsider', realName: 'Oscar Outsider' });
    this.addUser({ id: GRID_USER_ID, name: 'gina.grid', realName: 'Gina Grid' });
    this.addGroup({
      id: SEC_ADMINS_GROUP_ID,
      handle: 'secops-admins',
      name: 'SecOps Admins',
      users: [ADMIN_USER_ID],
    });
    this.addGroup({
      id: APPROVERS_GROUP_ID,
      handle: 'cloudknox-approvers',
      name: 'CloudKnox Approvers',
      users: [APPROVER_USER_ID, APPROVER2_USER_ID],
    });
    this.addChannel({ id: SECOPS_CHANNEL_ID, name: 'secops', botIsMember: true });
    this.addChannel({ id: RANDOM_CHANNEL_ID, name: 'random', botIsMember: false });
    for (const u of this.users.values()) if (!u.isBot) this.dmFor(u.id);
  }
}
