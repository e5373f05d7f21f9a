import type { SimReply, SimRequest } from '../http-server.js';
import { fail, jsonObject, ok } from './replies.js';
import { probeServiceNow } from './servicenow-probe.js';
import type { CloudKnoxState } from './state.js';

/** `GET/POST /api/v2/integrations/servicenow[/test|/save]`: the Integration tab. */

interface IntegrationFields {
  endpoint?: string;
  username?: string;
  password?: string;
}

function readFields(req: SimRequest): IntegrationFields | SimReply {
  const body = jsonObject(req);
  if (!body) return fail(400, 'INVALID_REQUEST', 'Body must be a JSON object');
  const out: IntegrationFields = {};
  for (const f of ['endpoint', 'username', 'password'] as const) {
    const v = body[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || (f !== 'password' && v.trim() === '')) {
      return fail(400, 'INVALID_REQUEST', `${f} must be a non-empty string`);
    }
    out[f] = f === 'password' ? v : v.trim();
  }
  if (out.endpoint !== undefined && !/^https?:\/\/[^/\s]+/i.test(out.endpoint)) {
    return fail(400, 'INVALID_REQUEST', 'endpoint must be an http(s) URL');
  }
  return out;
}

function isReply(x: IntegrationFields | SimReply): x is SimReply {
  return 'status' in x;
}

const notConfigured = (): SimReply =>
  fail(404, 'INTEGRATION_NOT_FOUND', 'No ServiceNow integration is configured for this service account');

export function getIntegration(state: CloudKnoxState): SimReply {
  const view = state.integrationView();
  return view ? ok(view) : notConfigured();
}

export async function testIntegration(
  state: CloudKnoxState,
  req: SimRequest,
  timeoutMs: number,
): Promise<SimReply> {
  const fields = readFields(req);
  if (isReply(fields)) return fields;
  const stored = state.integration;
  const endpoint = fields.endpoint ?? stored?.endpoint;
  const username = fields.username ?? stored?.username;
  const password = fields.password ?? stored?.password;
  if (!endpoint || !username || password === undefined) {
    return fail(
      400,
      'INVALID_REQUEST',
      'endpoint, username and password are required when no integration is saved',
    );
  }
  const result = await probeServiceNow({ endpoint, username, password, timeoutMs });
  return ok(result);
}

export function saveIntegration(state: CloudKnoxState, req: SimRequest): SimReply {
  const fields = readFields(req);
  if (isReply(fields)) return fields;
  if (!state.integration) {
    if (!fields.endpoint || !fields.username || fields.password === undefined) return notConfigured();
    state.integration = {
      endpoint: fields.endpoint,
      username: fields.username,
      password: fields.password,
      apiEndpoint: state.opts.apiUrl,
      createdBy: state.opts.seed.cloudknox.createdBy,
      createdOn: state.iso(),
      savedOn: null,
    };
  }
  Object.assign(state.integration, fields, { savedOn: state.iso() });
  return ok(state.integrationView());
}
