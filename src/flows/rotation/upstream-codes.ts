/** Reads the codes our API clients put on errors without tying the flows to those clients. */
export function upstreamCodeOf(err: unknown): string | undefined {
  const c = (err as { upstreamCode?: unknown } | null)?.upstreamCode;
  return typeof c === 'string' ? c : undefined;
}

export function attemptsLeftOf(err: unknown): number | undefined {
  const n = (err as { attemptsLeft?: unknown } | null)?.attemptsLeft;
  return typeof n === 'number' ? n : undefined;
}

export function retryAfterOf(err: unknown): number | undefined {
  const n = (err as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof n === 'number' ? n : undefined;
}

/** A short, secret-free description for the stored record and the audit trail. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}`.slice(0, 500);
  }
  return 'unknown error';
}
