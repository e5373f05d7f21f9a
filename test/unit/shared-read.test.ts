import { describe, expect, it } from 'vitest';
import { sharedRead } from '../../src/flows/shared-read.js';

function deferredReads<T>() {
  const pending: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  const read = () => new Promise<T>((resolve, reject) => pending.push({ resolve, reject }));
  return { read, pending };
}

describe('sharedRead', () => {
  it('gives calls made while a read is in flight that read, and its result', async () => {
    const { read, pending } = deferredReads<string>();
    const shared = sharedRead(read);
    const answers = [shared(), shared(), shared()];
    expect(pending).toHaveLength(1);
    pending[0]!.resolve('integration');
    expect(await Promise.all(answers)).toEqual(['integration', 'integration', 'integration']);
  });

  it('starts a new read once the last one has finished: nothing is cached', async () => {
    const { read, pending } = deferredReads<number>();
    const shared = sharedRead(read);
    const first = shared();
    pending[0]!.resolve(1);
    expect(await first).toBe(1);
    const second = shared();
    expect(pending).toHaveLength(2);
    pending[1]!.resolve(2);
    expect(await second).toBe(2);
  });

  it('shares a failure with everyone waiting, and the next call tries again', async () => {
    const { read, pending } = deferredReads<string>();
    const shared = sharedRead(read);
    const waiting = [shared(), shared()];
    pending[0]!.reject(new Error('CloudKnox is down'));
    for (const w of waiting) await expect(w).rejects.toThrow('CloudKnox is down');
    const retry = shared();
    expect(pending).toHaveLength(2);
    pending[1]!.resolve('back');
    expect(await retry).toBe('back');
  });
});
