import type { SimReply, SimRequest } from '../http-server.js';
import { badTimestamp, fail, header, jsonObject, ok } from './replies.js';
import { sameSecret, type CloudKnoxState } from './state.js';

const INVALID = 'Invalid service account credentials';

/**
 * `POST /api/v2/service-account/authenticate`: any service account of the tenant, with one of ITS
 * OWN ACTIVE keys and that key's secret. The token remembers the account.
 */
export function authenticate(state: CloudKnoxState, req: SimRequest): SimReply {
  const body = jsonObject(req);
  const { serviceAccountId, accessKey, secretKey } = body ?? {};
  if (
    typeof serviceAccountId !== 'string' ||
    typeof accessKey !== 'string' ||
    typeof secretKey !== 'string'
  ) {
    return fail(400, 'INVALID_REQUEST', 'serviceAccountId, accessKey and secretKey are required');
  }
  const headerId = header(req, 'x-cloudknox-service-account-id');
  if (!headerId) return fail(400, 'INVALID_REQUEST', 'X-CloudKnox-Service-Account-Id header is required');
  const stale = badTimestamp(req);
  if (stale) return stale;
  const account = state.account(serviceAccountId);
  const key = account ? state.findKey(accessKey, account) : undefined;
  if (
    headerId !== serviceAccountId ||
    !account ||
    !key ||
    key.status !== 'ACTIVE' ||
    !sameSecret(secretKey, key.secretKey)
  ) {
    return fail(401, 'INVALID_CREDENTIALS', INVALID);
  }
  return ok(state.issueToken(account, key));
}

/**
 * Checks the headers of an authenticated call; answers the 401/400 when they do not hold. The token
 * must come with the API id and the service account id it was issued for, and that account's key
 * must still be ACTIVE. Every service account of the tenant may call the Integration API.
 */
export function checkToken(state: CloudKnoxState, req: SimRequest): SimReply | undefined {
  const token = header(req, 'x-cloudknox-access-token');
  if (!token) return fail(401, 'UNAUTHORIZED', 'X-CloudKnox-Access-Token header is required');
  const t = state.tokens.get(token);
  if (!t) return fail(401, 'UNAUTHORIZED', 'Access token is not valid; authenticate again');
  if (
    header(req, 'x-cloudknox-api-id') !== t.apiId ||
    header(req, 'x-cloudknox-service-account-id') !== t.serviceAccountId
  ) {
    return fail(
      401,
      'UNAUTHORIZED',
      'X-CloudKnox-API-Id or X-CloudKnox-Service-Account-Id does not match the access token',
    );
  }
  if (t.expiresAt <= state.opts.now()) {
    state.tokens.delete(token);
    return fail(401, 'TOKEN_EXPIRED', 'Access token has expired; authenticate again');
  }
  const account = state.account(t.serviceAccountId);
  if (!account || state.findKey(t.accessKey, account)?.status !== 'ACTIVE') {
    state.tokens.delete(token);
    return fail(401, 'UNAUTHORIZED', 'The access key this token was issued for has been revoked');
  }
  return badTimestamp(req);
}
