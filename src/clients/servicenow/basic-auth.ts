/**
 * HTTP Basic credentials from the UTF-8 bytes of `user:password`. ServiceNow passwords may hold
 * `#%^*{}:` and non-ASCII letters; `btoa` would throw on the latter and latin1 would change their bytes.
 * A colon is fine in the password (the server splits at the first one) but not in the username.
 */
export function basicAuthorization(username: string, password: string): string {
  if (username.includes(':')) throw new Error('A ServiceNow username cannot contain ":"');
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
