import type { IncomingHttpHeaders } from 'node:http';

/**
 * Basic authentication as a ServiceNow instance does it: credentials checked against sys_user
 * (password, active, locked_out); consecutive failures counted in failed_attempts and, at the limit,
 * the account is locked; a right password on an account with multi-factor authentication needs the
 * MFA code appended to it, and without it the answer carries `X-MFA_TOKEN: invalid`.
 */
export interface Credentials {
  password: string;
  roles: string[];
  mfa: boolean;
  /** The code an authenticator would show now; appended to the password to log in. */
  mfaCode: string | undefined;
}

export interface AuthUser {
  row: Record<string, string>;
  credentials: Credentials;
}

export type AuthResult =
  | { ok: true; user: AuthUser; userName: string }
  | { ok: false; userName: string | undefined; mfaInvalid: boolean };

export interface BasicCredentials {
  userName: string;
  password: string;
}

/** Decodes `Authorization: Basic …` as UTF-8, splitting at the first colon (passwords may hold more). */
export function parseBasicAuth(headers: IncomingHttpHeaders): BasicCredentials | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { userName: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function authenticate(
  headers: IncomingHttpHeaders,
  findUser: (userName: string) => AuthUser | undefined,
  maxFailedLogins: number,
): AuthResult {
  const creds = parseBasicAuth(headers);
  if (!creds) return { ok: false, userName: undefined, mfaInvalid: false };
  const user = findUser(creds.userName);
  if (!user) return { ok: false, userName: creds.userName, mfaInvalid: false };

  const { row, credentials } = user;
  const locked = row.locked_out === 'true';
  const active = row.active === 'true';
  const expected = credentials.mfa
    ? credentials.password + (credentials.mfaCode ?? '')
    : credentials.password;
  const passwordOk = credentials.mfa
    ? credentials.mfaCode !== undefined && creds.password === expected
    : creds.password === expected;

  if (passwordOk && !locked && active) {
    row.failed_attempts = '0';
    return { ok: true, user, userName: row.user_name ?? creds.userName };
  }
  if (
    !passwordOk &&
    credentials.mfa &&
    creds.password.startsWith(credentials.password) &&
    !locked &&
    active
  ) {
    // Right password, missing or wrong MFA code: not a failed password attempt.
    return { ok: false, userName: creds.userName, mfaInvalid: true };
  }
  if (!passwordOk && !locked) {
    const failed = Number(row.failed_attempts || '0') + 1;
    row.failed_attempts = String(failed);
    if (failed >= maxFailedLogins) row.locked_out = 'true';
  }
  return { ok: false, userName: creds.userName, mfaInvalid: false };
}
