/**
 * Calls that arrive while the same read is in flight get its result instead of starting another
 * (request coalescing): a burst of `/cloudknox servicenow show` makes one CloudKnox call at a time,
 * not one per command, and every command still gets its own answer. Only a success is shared: when
 * the read fails, the caller that started it hears why, and those that joined it read for
 * themselves, so nobody is shown a failure that was not theirs. Only for reads that are shown to
 * someone, never for ones a decision depends on: those must start after what they follow (a
 * rotation reads the integration for itself).
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return async () => {
    if (inFlight) {
      try {
        return await inFlight;
      } catch {
        return read();
      }
    }
    const mine = read().finally(() => {
      if (inFlight === mine) inFlight = undefined;
    });
    inFlight = mine;
    return mine;
  };
}
