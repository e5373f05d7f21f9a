/**
 * What of an error may be logged: its class, code and message (our clients build messages without
 * secrets). Never the whole object: HTTP client errors carry request options, headers included.
 */
export function errorSummary(err: unknown): { name: string; code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message };
  }
  return { name: typeof err, message: 'non-Error thrown' };
}
