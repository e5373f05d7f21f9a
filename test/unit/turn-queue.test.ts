import { describe, expect, it } from 'vitest';
import { TurnQueue } from '../../src/slack/turn-queue.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const noErrors = (err: unknown) => {
  throw err;
};

describe('TurnQueue', () => {
  it('runs jobs in order, at most perTurn of them in each event-loop turn', async () => {
    const queue = new TurnQueue(4, noErrors);
    const ran: number[] = [];
    for (let i = 0; i < 10; i++) queue.run(() => ran.push(i) > 0);
    expect(ran).toEqual([]); // nothing runs inside the caller's turn
    expect(queue.waiting).toBe(10);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(queue.waiting).toBe(0);
  });

  it('starts again when a job arrives after the queue ran dry', async () => {
    const queue = new TurnQueue(2, noErrors);
    const ran: string[] = [];
    queue.run(() => ran.push('a') > 0);
    await nextTurn();
    await nextTurn();
    queue.run(() => ran.push('b') > 0);
    await nextTurn();
    expect(ran).toEqual(['a', 'b']);
  });

  it('a job that finds nothing to do (its client left) takes no place in the turn', async () => {
    const queue = new TurnQueue(2, noErrors);
    const ran: string[] = [];
    for (const name of ['gone1', 'gone2', 'gone3', 'a', 'b', 'c'])
      queue.run(() => {
        if (name.startsWith('gone')) return false;
        ran.push(name);
        return true;
      });
    await nextTurn();
    expect(ran).toEqual(['a', 'b']);
    await nextTurn();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('a job that throws is reported, and the jobs behind it still run', async () => {
    const errors: unknown[] = [];
    const queue = new TurnQueue(4, (err) => errors.push(err));
    const ran: string[] = [];
    queue.run(() => {
      throw new Error('boom');
    });
    queue.run(() => ran.push('after') > 0);
    await nextTurn();
    expect(errors).toEqual([new Error('boom')]);
    expect(ran).toEqual(['after']);
  });
});
