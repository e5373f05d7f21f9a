/**
 * Every id Slack routes on, in one place. `manifest/manifest.yml` declares the slash command;
 * a test checks that the two agree and that every id here has a listener.
 */
export const SLASH_COMMAND = '/cloudknox';

export const ACTION_IDS = {
  saveConnection: 'servicenow_save_connection',
} as const;

export const VIEW_IDS = {} as const;

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];
