import type { SlackMessage } from './history.js';
import { toApiMessage } from './history.js';
import type { EmulatorState } from './state.js';
import type { EmulatedView } from './views.js';
import { APP_ID } from './workspace.js';
import type { SlackChannel, SlackUser } from './workspace.js';

/**
 * The bodies Slack POSTs to the app's request URL, built as Slack builds them: slash commands as
 * form fields; interactions as a form field `payload` holding JSON (block_actions, view_submission).
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function channelName(c: SlackChannel): string {
  return c.isIm ? 'directmessage' : c.name;
}

export function slashCommandForm(
  s: EmulatorState,
  p: {
    user: SlackUser;
    channel: SlackChannel;
    command: string;
    text: string;
    responseUrl: string;
    triggerId: string;
  },
): string {
  return new URLSearchParams({
    token: s.config.verificationToken,
    team_id: s.config.teamId,
    team_domain: s.config.teamDomain,
    channel_id: p.channel.id,
    channel_name: channelName(p.channel),
    user_id: p.user.id,
    user_name: p.user.name,
    command: p.command,
    text: p.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: p.responseUrl,
    trigger_id: p.triggerId,
  }).toString();
}

/** Where an interactive element sits: its block and the element object. */
export function findElement(
  blocks: unknown,
  actionId: string,
  blockId?: string,
): { blockId: string; element: Obj } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const [i, block] of blocks.entries()) {
    if (!isObj(block)) continue;
    const id = typeof block.block_id === 'string' ? block.block_id : `block_${i}`;
    if (blockId !== undefined && id !== blockId) continue;
    const candidates = [
      ...(Array.isArray(block.elements) ? block.elements : []),
      block.accessory,
      block.element,
    ].filter(isObj);
    const element = candidates.find((e) => e.action_id === actionId);
    if (element) return { blockId: id, element };
  }
  return undefined;
}

function userRef(s: EmulatorState, u: SlackUser): Obj {
  return { id: u.id, username: u.name, name: u.name, team_id: s.config.teamId };
}

function teamRef(s: EmulatorState): Obj {
  return { id: s.config.teamId, domain: s.config.teamDomain };
}

function actionObject(blockId: string, element: Obj, value: string | undefined, actionTs: string): Obj {
  const action: Obj = { action_id: element.action_id, block_id: blockId, type: element.type ?? 'button' };
  if (element.type === 'button' || element.type === undefined) {
    action.text = isObj(element.text) ? { ...element.text, emoji: true } : element.text;
    if (value !== undefined) action.value = value;
    if (element.style !== undefined) action.style = element.style;
  } else if (value !== undefined) {
    action.value = value;
  }
  action.action_ts = actionTs;
  return action;
}

export function blockActionsFromMessage(
  s: EmulatorState,
  p: {
    user: SlackUser;
    channel: SlackChannel;
    message: SlackMessage;
    blockId: string;
    element: Obj;
    value: string | undefined;
    triggerId: string;
    responseUrl: string;
    actionTs: string;
  },
): Obj {
  const ephemeral = p.message.ephemeralTo !== undefined;
  return {
    type: 'block_actions',
    user: userRef(s, p.user),
    api_app_id: APP_ID,
    token: s.config.verificationToken,
    container: {
      type: 'message',
      message_ts: p.message.ts,
      channel_id: p.channel.id,
      is_ephemeral: ephemeral,
    },
    trigger_id: p.triggerId,
    team: teamRef(s),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: p.channel.id, name: channelName(p.channel) },
    // Slack keeps no copy of ephemeral messages, so their clicks carry no `message`.
    ...(ephemeral ? {} : { message: toApiMessage(p.message, s.config.teamId) }),
    state: { values: {} },
    response_url: p.responseUrl,
    actions: [actionObject(p.blockId, p.element, p.value, p.actionTs)],
  };
}

export function blockActionsFromView(
  s: EmulatorState,
  p: {
    user: SlackUser;
    view: EmulatedView;
    blockId: string;
    element: Obj;
    value: string | undefined;
    triggerId: string;
    actionTs: string;
  },
): Obj {
  // Clicks inside a modal carry the view and no response_url, channel or message.
  return {
    type: 'block_actions',
    user: userRef(s, p.user),
    api_app_id: APP_ID,
    token: s.config.verificationToken,
    container: { type: 'view', view_id: p.view.id },
    trigger_id: p.triggerId,
    team: teamRef(s),
    enterprise: null,
    is_enterprise_install: false,
    view: s.views.toOutput(p.view),
    actions: [actionObject(p.blockId, p.element, p.value, p.actionTs)],
  };
}

export function viewSubmissionPayload(
  s: EmulatorState,
  p: { user: SlackUser; view: EmulatedView; triggerId: string },
): Obj {
  return {
    type: 'view_submission',
    team: teamRef(s),
    user: userRef(s, p.user),
    api_app_id: APP_ID,
    token: s.config.verificationToken,
    trigger_id: p.triggerId,
    view: s.views.toOutput(p.view),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * Shapes submitted values as Slack does: `{block_id: {action_id: {type, value}}}`. `values` maps a
 * block_id either to a string (for the block's one input element) or to `{action_id: value}` where
 * a value is a string or a full state object. Throws if a block is not an input in the view, or if
 * a required input is left empty: Slack's client would not let the user submit.
 */
export function shapeViewValues(
  view: EmulatedView,
  values: Record<string, string | Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const blocks = Array.isArray(view.payload.blocks) ? view.payload.blocks.filter(isObj) : [];
  const inputs = blocks.filter((b) => b.type === 'input' && isObj(b.element));
  const out: Record<string, Record<string, unknown>> = {};
  for (const [blockId, given] of Object.entries(values)) {
    const block = inputs.find((b) => b.block_id === blockId);
    if (!block) throw new Error(`view ${view.id} has no input block with block_id "${blockId}"`);
    const element = block.element as Obj;
    const type = typeof element.type === 'string' ? element.type : 'plain_text_input';
    const entries: Record<string, unknown> =
      typeof given === 'string' ? { [String(element.action_id)]: given } : given;
    out[blockId] = Object.fromEntries(
      Object.entries(entries).map(([actionId, v]) => [actionId, isObj(v) ? v : { type, value: v }]),
    );
  }
  for (const b of inputs) {
    const id = String(b.block_id);
    if (b.optional === true || out[id]) continue;
    throw new Error(`required input "${id}" of view ${view.id} is empty; Slack would not submit`);
  }
  return out;
}
