import { checkView } from './block-limits.js';
import type { MethodHandler } from './methods-chat.js';
import type { ApiResult, Args, EmulatorState } from './state.js';
import { fail, str } from './state.js';

function invalidArguments(messages: string[]): ApiResult {
  return fail('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

/** The view argument, parsed and checked against Slack's limits. */
function viewArg(args: Args): Record<string, unknown> | ApiResult {
  const view = args.view;
  if (view === undefined || view === '') return invalidArguments(['missing required field: view']);
  if (typeof view === 'string') return invalidArguments(['invalid json [json-pointer:/view]']);
  const errors = checkView(view);
  if (errors.length > 0) return invalidArguments(errors);
  return view as Record<string, unknown>;
}

function isError(v: unknown): v is ApiResult {
  return typeof v === 'object' && v !== null && 'ok' in v && 'error' in v;
}

function answer(s: EmulatorState, view: Parameters<EmulatorState['views']['toOutput']>[0]): ApiResult {
  return { ok: true, view: s.views.toOutput(view) };
}

export const viewMethods: Record<string, MethodHandler> = {
  'views.open': (s, args) => {
    if (!str(args.trigger_id)) return invalidArguments(['missing required field: trigger_id']);
    const payload = viewArg(args);
    if (isError(payload)) return payload;
    const used = s.triggers.consume(args.trigger_id);
    if ('error' in used) return fail(used.error);
    return answer(s, s.views.open(used.trigger.userId, payload));
  },

  'views.push': (s, args) => {
    if (!str(args.trigger_id)) return invalidArguments(['missing required field: trigger_id']);
    const payload = viewArg(args);
    if (isError(payload)) return payload;
    const used = s.triggers.consume(args.trigger_id);
    if ('error' in used) return fail(used.error);
    const { trigger } = used;
    const parent = trigger.viewId ? s.views.get(trigger.viewId) : s.views.topFor(trigger.userId);
    if (!parent || !parent.open) return answer(s, s.views.open(trigger.userId, payload));
    const pushed = s.views.push(parent, payload);
    if (pushed === 'push_limit_reached') return fail('push_limit_reached');
    return answer(s, pushed);
  },

  'views.update': (s, args) => {
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    if (!viewId && !externalId) return invalidArguments(['must provide view_id or external_id']);
    const payload = viewArg(args);
    if (isError(payload)) return payload;
    const view = viewId ? s.views.get(viewId) : s.views.byExternalId(externalId ?? '');
    if (!view || !view.open) return fail('not_found');
    const hash = str(args.hash);
    if (hash && hash !== view.hash) return fail('hash_conflict');
    return answer(s, s.views.update(view, payload));
  },
};
