/**
 * The store's two failure modes, as coded errors in the style of `UpstreamError`: callers switch on
 * `code`. Messages are built from key names and fixed text only, never from stored values, so an
 * error can be logged or shown without leaking what the store holds.
 */
export type StoreErrorCode = 'STORE_UNAVAILABLE' | 'STORE_CORRUPT';

/**
 * The backend could not be reached (Redis down, offline, too slow to answer) or the store was
 * closed. Usually the operation did not happen; but when Redis was merely too slow, a write that
 * timed out may still land afterwards, so treat the outcome of a failed write as unknown and
 * re-read (or compare-and-set again) before acting on it.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'STORE_UNAVAILABLE' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A stored value is not what the reader expects: not JSON, not matching its zod schema, or a list
 * where a single value was expected (and the other way round). Never retried: the data is wrong.
 */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
  readonly code = 'STORE_CORRUPT' as const;
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`stored value for key "${key}" ${problem}`);
    this.key = key;
  }
}

export type StoreError = StoreUnavailableError | StoreCorruptError;

export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreUnavailableError || e instanceof StoreCorruptError;
}

/** The same wording on both backends when a key holds a list but a value was asked for, or vice versa. */
export function wrongKindError(key: string): StoreCorruptError {
  return new StoreCorruptError(
    key,
    'holds a different kind of entry (a list where a value was expected, or the reverse)',
  );
}
