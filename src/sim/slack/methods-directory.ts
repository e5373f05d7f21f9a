import type { MethodHandler } from './methods-chat.js';
import type { EmulatorState } from './state.js';
import { bool, fail, str } from './state.js';
import { BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_NAME } from './workspace.js';
import type { SlackChannel, SlackUser } from './workspace.js';

function userObject(s: EmulatorState, u: SlackUser): Record<string, unknown> {
  return {
    id: u.id,
    team_id: s.config.teamId,
    name: u.name,
    deleted: u.deleted,
    real_name: u.realName,
    tz: u.tz,
    is_admin: u.isAdmin,
    is_owner: false,
    is_bot: u.isBot,
    is_app_user: false,
    profile: {
      real_name: u.realName,
      display_name: u.name,
      ...(u.email ? { email: u.email } : {}),
      team: s.config.teamId,
      ...(u.isBot ? { bot_id: BOT_ID } : {}),
    },
    ...(u.id.startsWith('W')
      ? { enterprise_user: { id: u.id, enterprise_id: 'E0CONTOSO1', is_admin: false } }
      : {}),
  };
}

function channelObject(c: SlackChannel): Record<string, unknown> {
  if (c.isIm) {
    return {
      id: c.id,
      created: c.created,
      is_im: true,
      is_org_shared: false,
      user: c.imUser,
      is_user_deleted: false,
    };
  }
  return {
    id: c.id,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: c.isPrivate,
    is_im: false,
    is_mpim: false,
    is_private: c.isPrivate,
    is_archived: c.isArchived,
    is_general: c.name === 'general',
    is_member: c.members.has(BOT_USER_ID),
    created: c.created,
    num_members: c.members.size,
  };
}

export const directoryMethods: Record<string, MethodHandler> = {
  'auth.test': (s) => ({
    ok: true,
    url: `https://${s.config.teamDomain}.slack.com/`,
    team: TEAM_NAME,
    user: BOT_NAME,
    team_id: s.config.teamId,
    user_id: BOT_USER_ID,
    bot_id: BOT_ID,
    is_enterprise_install: false,
  }),

  'users.info': (s, args) => {
    const user = s.workspace.users.get(str(args.user) ?? '');
    if (!user) return fail('user_not_found');
    return { ok: true, user: userObject(s, user) };
  },

  'usergroups.users.list': (s, args) => {
    if (s.workspace.groupLookupError) {
      const extra =
        s.workspace.groupLookupError === 'missing_scope'
          ? { needed: 'usergroups:read', provided: 'chat:write,commands,users:read' }
          : {};
      return fail(s.workspace.groupLookupError, extra);
    }
    const group = s.workspace.groups.get(str(args.usergroup) ?? '');
    if (!group) return fail('no_such_subteam');
    return { ok: true, users: [...group.users] };
  },

  'conversations.open': (s, args) => {
    const channelRef = str(args.channel);
    if (channelRef) {
      const c = s.workspace.channels.get(channelRef);
      if (!c || !c.isIm) return fail('channel_not_found');
      return { ok: true, channel: bool(args.return_im) ? channelObject(c) : { id: c.id } };
    }
    const users = (str(args.users) ?? '').split(',').filter(Boolean);
    if (users.length === 0) return fail('users_list_not_supplied');
    if (users.length > 1)
      return fail('not_supported', { detail: 'the emulator opens DMs with one user only' });
    const user = s.workspace.users.get(users[0]!);
    if (!user) return fail('user_not_found');
    const dm = s.workspace.dmFor(user.id);
    return { ok: true, channel: bool(args.return_im) ? channelObject(dm) : { id: dm.id } };
  },

  'conversations.info': (s, args) => {
    const c = s.workspace.channels.get(str(args.channel) ?? '');
    if (!c || (c.isPrivate && !c.members.has(BOT_USER_ID))) return fail('channel_not_found');
    return { ok: true, channel: channelObject(c) };
  },
};
