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

  it('keeps a failure for the caller whose read failed; those who joined read for themselves', async () => {
    const { read, pending } = deferredReads<string>();
    const shared = sharedRead(read);
    const first = shared();
    const joined = [shared(), shared()];
    pending[0]!.reject(new Error('CloudKnox is down'));
    await expect(first).rejects.toThrow('CloudKnox is down');
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(pending).toHaveLength(3);
    pending[1]!.resolve('back');
    pending[2]!.resolve('back again');
    expect(await Promise.all(joined)).toEqual(['back', 'back again']);
  });
});
