import type { SimHandler, SimReply, SimRequest } from '../http-server.js';
import { chatMethods } from './methods-chat.js';
import type { MethodHandler } from './methods-chat.js';
import { directoryMethods } from './methods-directory.js';
import { viewMethods } from './methods-views.js';
import type { ApiCall } from './recorder.js';
import type { ApiResult, Args, EmulatorState } from './state.js';
import { fail } from './state.js';

/**
 * The Web API transport: `/api/<method>` with arguments from the query string and from a
 * form-urlencoded or JSON body, the token from `Authorization: Bearer` or a `token` field. Answers
 * are HTTP 200 `{ok:true,...}` / `{ok:false,error}`, except `ratelimited`: HTTP 429 + Retry-After.
 */
export const METHODS: Record<string, MethodHandler> = { ...directoryMethods, ...chatMethods, ...viewMethods };

/** Fields whose value is JSON; @slack/web-api sends them as strings in a form body. */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'];

export function parseArgs(req: SimRequest): { args: Args; token: string | undefined } {
  const args: Args = Object.fromEntries(req.query);
  if (req.body && typeof req.body === 'object') Object.assign(args, req.body);
  for (const field of JSON_FIELDS) {
    const v = args[field];
    if (typeof v !== 'string' || v === '') continue;
    try {
      args[field] = JSON.parse(v);
    } catch {
      // left as a string: the method answers with its own error for malformed JSON
    }
  }
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
  delete args.token;
  return { args, token };
}

function answer(s: EmulatorState, method: string, args: Args, token: string | undefined): SimReply {
  const handler = METHODS[method];
  let response: ApiResult;
  let status = 200;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (!handler) response = fail('unknown_method', { req_method: method });
  else if (!token) response = fail('not_authed');
  else if (token !== s.config.botToken) response = fail('invalid_auth');
  else {
    const rule = s.fails.take(method);
    if (rule?.error === 'ratelimited') {
      status = 429;
      headers['retry-after'] = String(rule.retryAfter ?? 1);
      response = fail('ratelimited', rule.extra);
    } else if (rule) response = fail(rule.error, rule.extra);
    else response = handler(s, args);
  }
  const call: ApiCall = { method, args, token, at: s.clock.now(), response, status };
  s.calls.push(call);
  s.events.emit('call', call);
  return { status, headers, body: response };
}

export function webApiHandler(s: EmulatorState): SimHandler {
  return (req) => {
    const { args, token } = parseArgs(req);
    return answer(s, req.params.method ?? '', args, token);
  };
}
