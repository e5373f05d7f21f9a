/**
 * Calls that arrive while the same read is in flight get its result instead of starting another
 * (request coalescing): a burst of `/cloudknox servicenow show` makes one CloudKnox call at a time,
 * not one per command, and every command still gets its own answer. Only for reads that are shown
 * to someone, never for ones a decision depends on: those must start after what they follow (a
 * rotation reads the integration for itself).
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
