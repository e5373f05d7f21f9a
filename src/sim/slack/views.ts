import type { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import { withBlockIds } from './block-ids.js';
import { randomHex } from './clock.js';
import { APP_ID, BOT_ID, TEAM_ID } from './workspace.js';

/**
 * Modals as Slack keeps them: a stack per user (at most 3 views), each view with an ID, a hash that
 * changes on every update (views.update with a stale hash → `hash_conflict`), and what the user
 * sees: validation errors from `response_action: errors`, or Slack's own error line.
 */
export interface EmulatedView {
  id: string;
  userId: string;
  rootViewId: string;
  previousViewId: string | null;
  open: boolean;
  hash: string;
  /** The view payload as the app last sent it (title, blocks, private_metadata, callback_id, ...). */
  payload: Record<string, unknown>;
  /** State of inputs as last submitted: {block_id: {action_id: {type, value}}}. */
  values: Record<string, Record<string, unknown>>;
  /** Errors shown under input blocks, from the app's `response_action: "errors"` ack. */
  errors?: Record<string, string> | undefined;
  /** Slack's own error line in the modal, e.g. after an ack timeout. */
  uiError?: string | undefined;
  /** How many times the app replaced the content (views.update or response_action update). */
  updates: number;
}

export type ViewEvent = { kind: 'opened' | 'pushed' | 'updated' | 'closed' | 'errors'; view: EmulatedView };

export const VIEW_STACK_LIMIT = 3;

export class ViewStore {
  private readonly byId = new Map<string, EmulatedView>();
  private readonly stacks = new Map<string, string[]>();
  private counter = 0;

  constructor(
    private readonly clock: Clock,
    private readonly events: EventEmitter,
    private readonly teamId: string = TEAM_ID,
  ) {}

  get(id: string): EmulatedView | undefined {
    return this.byId.get(id);
  }

  byExternalId(externalId: string): EmulatedView | undefined {
    return [...this.byId.values()].find((v) => v.payload.external_id === externalId);
  }

  all(): Map<string, EmulatedView> {
    return new Map(this.byId);
  }

  /** The view on top of the user's open stack, if a modal is open. */
  topFor(userId: string): EmulatedView | undefined {
    const open = [...this.byId.values()].filter((v) => v.open && v.userId === userId);
    return open.at(-1);
  }

  stackOf(viewId: string): string[] {
    const v = this.byId.get(viewId);
    return v ? [...(this.stacks.get(v.rootViewId) ?? [])] : [];
  }

  open(userId: string, payload: Record<string, unknown>): EmulatedView {
    const view = this.create(userId, payload, null, null);
    this.stacks.set(view.id, [view.id]);
    this.events.emit('view', { kind: 'opened', view } satisfies ViewEvent);
    return view;
  }

  push(onto: EmulatedView, payload: Record<string, unknown>): EmulatedView | 'push_limit_reached' {
    const stack = this.stacks.get(onto.rootViewId) ?? [];
    if (stack.length >= VIEW_STACK_LIMIT) return 'push_limit_reached';
    const top = this.byId.get(stack.at(-1) ?? onto.id) ?? onto;
    const view = this.create(onto.userId, payload, onto.rootViewId, top.id);
    stack.push(view.id);
    this.stacks.set(onto.rootViewId, stack);
    this.events.emit('view', { kind: 'pushed', view } satisfies ViewEvent);
    return view;
  }

  update(view: EmulatedView, payload: Record<string, unknown>): EmulatedView {
    view.payload = normalise(payload);
    view.hash = this.newHash();
    view.errors = undefined;
    view.uiError = undefined;
    view.updates += 1;
    this.events.emit('view', { kind: 'updated', view } satisfies ViewEvent);
    return view;
  }

  setErrors(view: EmulatedView, errors: Record<string, string> | undefined, uiError?: string): void {
    view.errors = errors;
    view.uiError = uiError;
    this.events.emit('view', { kind: 'errors', view } satisfies ViewEvent);
  }

  /** Closes this view (the one on top); the view below it, if any, shows again. */
  close(view: EmulatedView): void {
    const stack = this.stacks.get(view.rootViewId) ?? [];
    const i = stack.indexOf(view.id);
    for (const id of i >= 0 ? stack.splice(i) : []) this.markClosed(id);
    this.markClosed(view.id);
  }

  /** Closes the whole stack the view is in (`response_action: clear`). */
  clear(view: EmulatedView): void {
    const stack = this.stacks.get(view.rootViewId) ?? [];
    for (const id of stack.splice(0)) this.markClosed(id);
  }

  /** The view object Slack returns from views.* and sends in interaction payloads. */
  toOutput(view: EmulatedView): Record<string, unknown> {
    const p = view.payload;
    return {
      id: view.id,
      team_id: this.teamId,
      type: p.type ?? 'modal',
      blocks: p.blocks ?? [],
      private_metadata: p.private_metadata ?? '',
      callback_id: p.callback_id ?? '',
      state: { values: view.values },
      hash: view.hash,
      title: p.title,
      clear_on_close: p.clear_on_close ?? false,
      notify_on_close: p.notify_on_close ?? false,
      close: p.close ?? null,
      submit: p.submit ?? null,
      previous_view_id: view.previousViewId,
      root_view_id: view.rootViewId,
      app_id: APP_ID,
      external_id: p.external_id ?? '',
      app_installed_team_id: this.teamId,
      bot_id: BOT_ID,
    };
  }

  private create(
    userId: string,
    payload: Record<string, unknown>,
    rootViewId: string | null,
    previousViewId: string | null,
  ): EmulatedView {
    this.counter += 1;
    const id = `V0${String(this.counter).padStart(8, '0')}`;
    const view: EmulatedView = {
      id,
      userId,
      rootViewId: rootViewId ?? id,
      previousViewId,
      open: true,
      hash: this.newHash(),
      payload: normalise(payload),
      values: {},
      updates: 0,
    };
    this.byId.set(id, view);
    return view;
  }

  private markClosed(id: string): void {
    const v = this.byId.get(id);
    if (!v || !v.open) return;
    v.open = false;
    this.events.emit('view', { kind: 'closed', view: v } satisfies ViewEvent);
  }

  private newHash(): string {
    return `${Math.floor(this.clock.now() / 1000)}.${randomHex(4)}`;
  }
}

function normalise(payload: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(payload);
  if (Array.isArray(copy.blocks)) copy.blocks = withBlockIds(copy.blocks);
  return copy;
}
