import { describe, expect, it } from 'vitest';
import { TurnQueue } from '../../src/slack/turn-queue.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnQueue', () => {
  it('runs jobs in order, at most perTurn of them in each event-loop turn', async () => {
    const queue = new TurnQueue(4);
    const ran: number[] = [];
    for (let i = 0; i < 10; i++) queue.run(() => ran.push(i));
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
    const queue = new TurnQueue(2);
    const ran: string[] = [];
    queue.run(() => ran.push('a'));
    await nextTurn();
    await nextTurn();
    queue.run(() => ran.push('b'));
    await nextTurn();
    expect(ran).toEqual(['a', 'b']);
  });
});
