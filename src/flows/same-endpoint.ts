/**
 * Two API End Points are the same when they name the same origin and path, whatever the case of
 * the host, a default port or a trailing slash: admins paste these by hand on both sides.
 */
export function sameEndpoint(a: string, b: string): boolean {
  const ca = canonical(a);
  const cb = canonical(b);
  return ca !== undefined && ca === cb;
}

function canonical(value: string): string | undefined {
  try {
    const u = new URL(value.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return undefined;
  }
}
