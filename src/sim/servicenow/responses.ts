import type { SimReply } from '../http-server.js';

/**
 * The answers a real instance gives, with the texts its Table API uses. JSON answers carry
 * `application/json;charset=UTF-8`; errors use the `{"error":{"message","detail"},"status":"failure"}`
 * envelope (detail is null where the platform sends null).
 */
const JSON_TYPE = 'application/json;charset=UTF-8';

export function ok(result: unknown, headers: Record<string, string> = {}): SimReply {
  return { status: 200, headers: { 'content-type': JSON_TYPE, ...headers }, body: { result } };
}

export function failure(
  status: number,
  message: string,
  detail: string | null,
  headers: Record<string, string> = {},
): SimReply {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: { error: { message, detail }, status: 'failure' },
  };
}

export const notAuthenticated = (mfaInvalid: boolean): SimReply =>
  failure(401, 'User Not Authenticated', 'Required to provide Auth information', {
    'www-authenticate': 'BASIC realm="Service-now"',
    ...(mfaInvalid ? { 'x-mfa_token': 'invalid' } : {}),
  });

export const apiAclFailed = (): SimReply =>
  failure(403, 'User Not Authorized', 'Failed API level ACL Validation');

export const tableReadDenied = (table: string): SimReply =>
  failure(403, 'User Not Authorized', `User is unauthorized to access table: ${table}`);

export const writeDenied = (): SimReply =>
  failure(403, 'Operation Failed', 'ACL Exception Update Failed due to security constraints');

export const invalidTable = (table: string): SimReply => failure(400, `Invalid table ${table}`, null);

export const noSuchResource = (): SimReply =>
  failure(400, 'Requested URI does not represent any resource', null);

export const recordNotFound = (): SimReply =>
  failure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");

/** Table API v1 only: a list query that matches nothing. v2 (the default) answers 200 `[]`. */
export const v1EmptyResult = (): SimReply =>
  failure(
    404,
    'No Record found',
    'Records matching query not found. Check query parameter or offset parameter',
  );

export const badPayload = (): SimReply =>
  failure(400, 'Exception while reading request', 'The payload is not valid JSON.');

export const rateLimited = (headers: Record<string, string>, limit: number): SimReply =>
  failure(
    429,
    'Rate limit exceeded',
    `The rate limit of ${limit} requests per hour has been exceeded`,
    headers,
  );

/** What a sleeping developer instance serves for every URL, the REST API included, with HTTP 200. */
export function hibernationPage(): SimReply {
  return {
    status: 200,
    headers: { 'content-type': 'text/html;charset=UTF-8' },
    body: `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Instance Hibernating page</title>
  </head>
  <body>
    <div class="instance-hibernating-page">
      <h1>Your instance is hibernating</h1>
      <p class="information">Sign in to the developer site to wake your instance.</p>
      <a href="https://developer.servicenow.com/dev.do#!/home?wu=true">Sign in</a>
    </div>
  </body>
</html>
`,
  };
}
