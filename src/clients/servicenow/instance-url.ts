/**
 * Turns whatever an admin pastes as "Endpoint for ServiceNow" into the instance origin the Table API
 * hangs off: `https://dev12345.service-now.com`. Admins copy the address bar, so we get login pages
 * (`/login.do?...`), classic frames (`/nav_to.do?uri=...`), Next Experience paths (`/now/nav/ui/...`),
 * bare host names, upper case and stray spaces. Everything after the origin is dropped.
 *
 * Which hosts may be used at all (https, the ServiceNow allowlist, no internal addresses) is the
 * outbound policy's business: src/clients/outbound-policy.ts.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const EXAMPLE = 'https://dev12345.service-now.com';

export function normalizeInstanceUrl(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '')
    throw new Error(`The ServiceNow instance URL is empty; expected something like ${EXAMPLE}`);

  // A bare host ("dev12345.service-now.com/login.do") has no scheme: ServiceNow only serves https.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;

  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // The input is not echoed: admins sometimes paste a password into the wrong field.
    throw new Error(`The ServiceNow instance URL is not a URL; expected something like ${EXAMPLE}`);
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`The ServiceNow instance URL must start with https://, e.g. ${EXAMPLE}`);
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials in a URL end up in logs and browser history; they belong in the password field.
    throw new Error('The ServiceNow instance URL must not contain a username or password');
  }

  const host = url.hostname; // already lower-cased by URL
  const loopback = LOOPBACK_HOSTS.has(host);
  if (!loopback && !host.includes('.')) {
    throw new Error(`The ServiceNow instance URL needs a full host name, e.g. ${EXAMPLE}`);
  }

  // Plain http is kept only for loopback (the local simulator); a real instance redirects http to
  // https, and we never follow redirects, so upgrading here is what the admin meant.
  const protocol = loopback ? url.protocol : 'https:';
  const port = url.port === '' || (protocol === 'https:' && url.port === '443') ? '' : `:${url.port}`;
  return `${protocol}//${host}${port}`;
}
