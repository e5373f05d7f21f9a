import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BENCH_BOT_TOKEN,
  BENCH_SIGNING_SECRET,
  firstJsonLine,
  freePort,
  slashCommandBodies,
  spawnTs,
  stopProcess,
  waitForOk,
} from '../../bench/common.js';
import { runLoad } from '../../bench/loadgen.js';

/**
 * The `npm run bench` harness in miniature (issue 7), for correctness only: nothing here is timed.
 * The emulator process and the bare Bolt app, as the benchmark starts them; the load generator's
 * signed requests must all be answered 200 and every result message must reach the emulator's
 * count. (The bot's own rows are covered by `npm run bench -- --smoke`, which takes longer.)
 */
interface EmulatorInfo {
  url: string;
  apiUrl: string;
  controlUrl: string;
}

let emulator: ChildProcess;
let bare: ChildProcess;
let info: EmulatorInfo;
let bareUrl: string;

beforeAll(async () => {
  emulator = spawnTs('bench/emulator-process.ts', { env: { ...process.env } });
  info = await firstJsonLine<EmulatorInfo>(emulator, 'Slack emulator');
  const port = await freePort();
  bare = spawnTs('bench/bare-bolt.ts', {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
      SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
      SLACK_API_URL: info.apiUrl,
    },
    stdout: 'ignore',
  });
  bareUrl = `http://127.0.0.1:${port}`;
  await waitForOk(`${bareUrl}/readyz`, performance.now(), 15_000, bare);
}, 20_000);

afterAll(async () => {
  await Promise.all([bare && stopProcess(bare), emulator && stopProcess(emulator)]);
});

async function posts(): Promise<number> {
  const res = await fetch(`${info.controlUrl}/stats`);
  return ((await res.json()) as { posts: number }).posts;
}

describe('bench harness (smoke)', () => {
  it('signs every request so Bolt accepts it, and counts every result message', async () => {
    const before = await posts();
    const bodies = slashCommandBodies({
      text: 'servicenow test',
      responseUrls: { base: info.url },
      count: 8,
    });
    const result = await runLoad({
      url: bareUrl,
      connections: 4,
      amount: 24,
      maxSeconds: 10,
      bodies,
      signingSecret: BENCH_SIGNING_SECRET,
      ackMarkers: { working: 'Working on it' },
    });
    expect(result).toMatchObject({ completed: 24, ok2xx: 24, non2xx: 0, errors: 0 });
    expect(result.ackKinds).toEqual({ working: 24, other: 0 });
    const deadline = Date.now() + 5000;
    while ((await posts()) < before + 24 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await posts()) - before).toBe(24);
  });

  it('a wrong signing secret is refused, so the numbers above are of verified requests', async () => {
    const bodies = slashCommandBodies({ text: 'help', responseUrls: { base: info.url }, count: 1 });
    const result = await runLoad({
      url: bareUrl,
      connections: 1,
      amount: 3,
      maxSeconds: 10,
      bodies,
      signingSecret: 'not-the-signing-secret',
    });
    expect(result).toMatchObject({ completed: 3, ok2xx: 0, non2xx: 3 });
  });
});
