import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import * as prettier from 'prettier';
import {
  APPROVER_USER,
  ADMIN_USER,
  BENCH_BOT_TOKEN,
  BENCH_SIGNING_SECRET,
  ROOT,
  cpuTimeMs,
  machineCpuMs,
  firstJsonLine,
  freePort,
  median,
  memoryOf,
  sampleRss,
  sleep,
  slashCommandBodies,
  spawnTs,
  stopProcess,
  waitForOk,
} from './common.js';
import type { LoadJob, LoadResult } from './loadgen.js';
import { renderMarkdown } from './report.js';

/**
 * `npm run bench` (issue 7): ack latency and throughput of the bot against a bare Bolt app and a raw
 * node:http server, all in one run on this machine, each in its own process, with the Slack
 * emulator, the CloudKnox/ServiceNow simulators (CloudKnox answering after 1.5 s) and the load
 * generator in processes of their own. Prints a table, writes bench/results/latest.json.
 *
 *   npm run bench                      the full run (about 2–3 minutes on 2 cores)
 *   npm run bench -- --smoke           tiny counts, short upstream delay: checks the harness works
 *   npm run bench -- --update-docs     also rewrites the table in BENCHMARKS.md
 *   npm run bench -- --wait-quiet      waits for other work on the machine to stop, before the start
 *                                      and before each run, and repeats runs it disturbed anyway
 *   npm run bench -- --only=bot,bare   only these rows (and no cold start)
 *
 * Env: BENCH_REDIS_URL (default redis://127.0.0.1:6379/14; that logical DB is FLUSHed before and
 * after the Redis run; `off` skips it), BENCH_CLOUDKNOX_LATENCY_MS (default 1500), BENCH_NODE_ARGS
 * (node flags for the servers under test, e.g. `--cpu-prof --cpu-prof-dir=/tmp/bench-profiles`).
 */

export type ServerName = 'raw' | 'bare' | 'bot' | 'bot-redis';
export type ScenarioName = ServerName | 'bot-fanout' | 'bot-fanout-keys' | 'bare-ack' | 'bot-help';

export interface RunMetrics extends LoadResult {
  scenario: ScenarioName;
  server: ServerName;
  command: string;
  concurrency: number;
  peakRssMiB: number;
  /** Server CPU (user + system) per answered request, µs, from the run's start until its results were in. */
  cpuUsPerRequest?: number;
  /**
   * Share of the machine's CPU capacity used during the run by processes that are not the
   * benchmark's (other work on the machine), percent. Anything but a few percent skews the run.
   */
  otherCpuPercent?: number;
  /** How many times this run was made (--wait-quiet repeats disturbed runs and keeps the least disturbed). */
  attempts?: number;
  /**
   * The paired comparison (bot `help` against bare Bolt's ack) runs several rounds; this run is the
   * round with the median throughput, and these are all of them, in order.
   */
  rounds?: Array<
    Pick<RunMetrics, 'requestsPerSecond' | 'cpuUsPerRequest' | 'otherCpuPercent'> & { p99Ms: number }
  >;
  /** Result messages due: every 2xx ack (bare Bolt, fan-out) or every ack that started a test (bot). */
  expectedResults?: number;
  receivedResults?: number;
  lost?: number;
  /** Result messages that reported a failed connection test (the simulators are healthy: 0). */
  failedTests?: number;
  /** From the first request of the run to the last result message reaching the emulator. */
  allResultsMs?: number;
  /** From the last ack to the last result message. */
  resultsAfterLastAckMs?: number;
}

export interface BenchReport {
  mode: 'full' | 'smoke';
  date: string;
  commit: string;
  machine: {
    nproc: number;
    cpu: string;
    memoryGiB: number;
    node: string;
    os: string;
    /** 1-minute load average when the run started and when it ended: other work on the machine skews every number. */
    loadAverage: { start: number; end: number };
  };
  settings: {
    cloudknoxLatencyMs: number;
    levels: Array<{ concurrency: number; amount: number; maxSeconds: number }>;
    warmup: { concurrency: number; amount: number };
    scenarios: Array<{
      name: ScenarioName;
      server: ServerName;
      command: string;
      results: string;
      due: string;
      levels: number[];
      amount?: number;
    }>;
    redisUrl: string | undefined;
    redisSkipped?: string;
  };
  coldStart: Record<'bot' | 'bare', { samplesMs: number[]; medianMs: number }>;
  runs: RunMetrics[];
  /**
   * Bot `help` against bare Bolt's ack at concurrency 50, round by round (each round runs both, one
   * right after the other, alternating which goes first): bot/bare throughput and p99.
   */
  pairedRounds: Array<{ rps: number; p99: number }>;
  peakRssLifetimeMiB: Partial<Record<ServerName, number>>;
  acceptance: Array<{ item: string; holds: boolean; detail: string }>;
  /** The benchmark itself, from starting the first process to the report, --wait-quiet waits excluded. */
  totalSeconds: number;
  /** Time --wait-quiet spent waiting for other work on the machine to stop. */
  quietWaitSeconds: number;
}

const SMOKE = process.argv.includes('--smoke');
const UPDATE_DOCS = process.argv.includes('--update-docs');
const WAIT_QUIET = process.argv.includes('--wait-quiet');

const children: ChildProcess[] = [];
/** CPU used so far by this runner and every process it started that is still running, ms. */
function ourCpuMs(): number {
  const self = process.cpuUsage();
  let ms = (self.user + self.system) / 1000;
  for (const c of children) if (c.pid && c.exitCode === null) ms += cpuTimeMs(c.pid) ?? 0;
  return ms;
}
/**
 * `--wait-quiet`: before the benchmark starts, and again before each measured run, wait until
 * processes other than the benchmark's have used under 15 % of the machine's CPU for a while (2 s
 * before the start, 1 s before a run), at most `maxMs` each time, so that other work (a test suite,
 * a build) skews the numbers less. Time spent waiting is reported, and not counted as the
 * benchmark's own duration.
 */
let quietWaitSeconds = 0;
async function waitQuiet(maxMs: number, windowMs: number): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    const a = machineCpuMs();
    const oursA = ourCpuMs();
    await sleep(windowMs);
    const b = machineCpuMs();
    if (!a || !b) break;
    const other = (b.busyMs - a.busyMs - (ourCpuMs() - oursA)) / (b.totalMs - a.totalMs);
    if (other < 0.15) break;
    process.stderr.write(
      `[bench] waiting for a quiet machine (others use ${(other * 100).toFixed(0)} % of the CPU)\n`,
    );
  }
  quietWaitSeconds += (performance.now() - t0) / 1000;
}
if (WAIT_QUIET) await waitQuiet(180_000, 2000);
const started = performance.now();
const loadAtStart = os.loadavg()[0]!;

const LATENCY_MS = Number(process.env.BENCH_CLOUDKNOX_LATENCY_MS ?? (SMOKE ? 100 : 1500));
const REDIS_URL_SETTING = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
const TEST = 'servicenow test';
const SHOW = 'servicenow show';
const KEYS = 'keys show';
const HELP = 'help';
const LEVELS = SMOKE
  ? [
      { concurrency: 1, amount: 5, maxSeconds: 5 },
      { concurrency: 5, amount: 20, maxSeconds: 5 },
    ]
  : [
      { concurrency: 1, amount: 1000, maxSeconds: 4 },
      { concurrency: 50, amount: 4000, maxSeconds: 10 },
      { concurrency: 200, amount: 4000, maxSeconds: 10 },
    ];
/** `--only=bot,bare`: run only these scenarios (the acceptance lines need bot, bare and bot-fanout). */
const ONLY = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .filter(Boolean);
const WARMUP = SMOKE ? { concurrency: 2, amount: 4 } : { concurrency: 20, amount: 1000 };
const COLD_START_SAMPLES = SMOKE ? 1 : 3;
/**
 * Rounds of the paired plain-ack comparison (issue 7's throughput and p99 targets). One run each
 * moved the ratio by ±15–30 % with the machine's state; the median of paired rounds moves far less.
 */
const PAIRED_ROUNDS = SMOKE ? 1 : 5;
const PAIR: [ScenarioName, ScenarioName] = ['bare-ack', 'bot-help'];
const PAIR_CONCURRENCY = SMOKE ? 5 : 50;
/** How long after its last ack a run may take to deliver every result message before the rest count as lost. */
const DRAIN_TIMEOUT_MS = 30_000;

const RESULTS_DIR = join(ROOT, 'bench', 'results');
mkdirSync(RESULTS_DIR, { recursive: true });

function track<T extends ChildProcess>(child: T): T {
  children.push(child);
  return child;
}

// ---------------------------------------------------------------------------------------------
// The world: Slack emulator, CloudKnox + ServiceNow simulators, load generator.

interface EmulatorInfo {
  url: string;
  apiUrl: string;
  controlUrl: string;
}
interface SimsInfo {
  env: Record<string, string>;
}
interface EmulatorStats {
  posts: number;
  failedPosts: number;
  failedTests: number;
  lastPostAt: number;
  responseUrlPosts: number;
  failedResponseUrlPosts: number;
  lastResponseUrlPostAt: number;
}

/** A helper process whose stderr goes to bench/results/<name>.log (ignored by git), to read after a failure. */
function spawnHelper(file: string, name: string, env: Record<string, string | undefined>): ChildProcess {
  const fd = openSync(join(RESULTS_DIR, `${name}.log`), 'w');
  const child = track(spawnTs(file, { env, stderr: fd }));
  closeSync(fd);
  return child;
}
const emulatorProc = spawnHelper('bench/emulator-process.ts', 'emulator', { ...process.env });
const simsProc = spawnHelper('src/sim/simulators-main.ts', 'simulators', {
  ...process.env,
  CLOUDKNOX_SIM_LATENCY_MS: String(LATENCY_MS),
});
const loadgen = track(
  fork(join(ROOT, 'bench', 'loadgen.ts'), [], {
    cwd: ROOT,
    env: { ...process.env, BENCH_LOADGEN_CHILD: '1' },
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  }),
);

let cleanedUp = false;
async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  if (loadgen.connected) loadgen.disconnect();
  await Promise.all(children.map((c) => stopProcess(c)));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().then(() => process.exit(130)));
}

let jobId = 0;
const pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
loadgen.on('message', (msg: { id: number; result?: LoadResult; error?: string }) => {
  const p = pending.get(msg.id);
  if (!p) return;
  pending.delete(msg.id);
  if (msg.result) p.resolve(msg.result);
  else p.reject(new Error(`load generator: ${msg.error}`));
});
loadgen.on('exit', (code) => {
  for (const p of pending.values()) p.reject(new Error(`load generator exited with ${code}`));
  pending.clear();
});
function load(job: LoadJob): Promise<LoadResult> {
  const id = ++jobId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    loadgen.send({ id, job });
  });
}

async function emulatorStats(emulator: EmulatorInfo): Promise<EmulatorStats> {
  const res = await fetch(`${emulator.controlUrl}/stats`);
  return (await res.json()) as EmulatorStats;
}

/** Polls the emulator's counts until `done` holds (or the timeout passes); returns the last counts. */
async function waitForResults(
  emulator: EmulatorInfo,
  done: (stats: EmulatorStats) => boolean,
  timeoutMs: number,
): Promise<EmulatorStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await emulatorStats(emulator);
    if (done(stats) || Date.now() > deadline) return stats;
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// The servers under test, and what each run sends them.

interface Target {
  name: ServerName;
  file: string;
  env: () => Record<string, string | undefined>;
}

interface Running {
  target: Target;
  child: ChildProcess;
  port: number;
  url: string;
  readyMs: number;
}

/**
 * One kind of run: a server, the command text it is sent, where its result messages arrive and how
 * many are due. `servicenow test` runs one test at a time (the bot acks every other request at once
 * with "a test is already running"), so for the bot the results due are the acks that started a test;
 * `servicenow show` (fan-out) gives every request its own CloudKnox call and its own result.
 */
interface Scenario {
  name: ScenarioName;
  server: ServerName;
  command: string;
  results: 'none' | 'chat' | 'response_url';
  due: 'every-ack' | 'started-tests' | 'none';
  levels: number[];
  /** Fewer requests than the level's amount (a heavier run). */
  amount?: number;
}

const TEST_ACK_MARKERS = {
  started: 'Testing the ServiceNow connection',
  already_running: 'already running',
  paused: 'is paused until',
};

async function startTarget(target: Target): Promise<Running> {
  const port = await freePort();
  const logFd = openSync(join(RESULTS_DIR, `${target.name}.log`), 'w');
  const t0 = performance.now();
  const child = track(
    spawnTs(target.file, {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...target.env(),
        PORT: String(port),
      },
      stdout: logFd,
      // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/bench-profiles" to profile the servers
      nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean),
    }),
  );
  closeSync(logFd);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    const readyMs = await waitForOk(`${url}/readyz`, t0, 30_000, child);
    return { target, child, port, url, readyMs };
  } catch (err) {
    await stopProcess(child);
    throw new Error(`${target.name} did not become ready: ${(err as Error).message}\n${stderr}`);
  }
}

async function main(): Promise<BenchReport> {
  const [emulator, sims] = await Promise.all([
    firstJsonLine<EmulatorInfo>(emulatorProc, 'Slack emulator'),
    firstJsonLine<SimsInfo>(simsProc, 'simulators'),
  ]);

  // Redis: a dedicated logical DB, flushed before and after; skipped (and said so) when unreachable.
  let redisUrl: string | undefined = REDIS_URL_SETTING === 'off' ? undefined : REDIS_URL_SETTING;
  let redisSkipped: string | undefined = redisUrl ? undefined : 'BENCH_REDIS_URL=off';
  if (redisUrl && !(await flushRedis(redisUrl))) {
    redisSkipped = `no Redis answered at ${redisUrl}`;
    redisUrl = undefined;
  }

  const slackEnv = {
    SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    SLACK_API_URL: emulator.apiUrl,
  };
  const botEnv = {
    ...sims.env,
    ...slackEnv,
    CLOUDKNOX_ADMINS: ADMIN_USER,
    CLOUDKNOX_APPROVERS: APPROVER_USER,
  };
  const allTargets: Target[] = [
    { name: 'raw', file: 'bench/raw-http.ts', env: () => ({}) },
    { name: 'bare', file: 'bench/bare-bolt.ts', env: () => slackEnv },
    { name: 'bot', file: 'src/main.ts', env: () => botEnv },
  ];
  if (redisUrl) {
    const url = redisUrl;
    allTargets.push({ name: 'bot-redis', file: 'src/main.ts', env: () => ({ ...botEnv, REDIS_URL: url }) });
  }
  const byName = (n: ServerName) => allTargets.find((t) => t.name === n)!;

  const all = LEVELS.map((l) => l.concurrency);
  const top = Math.max(...all);
  const allScenarios: Scenario[] = [
    { name: 'raw', server: 'raw', command: TEST, results: 'none', due: 'none', levels: all },
    { name: 'bare-ack', server: 'bare', command: HELP, results: 'none', due: 'none', levels: all },
    { name: 'bot-help', server: 'bot', command: HELP, results: 'none', due: 'none', levels: all },
    { name: 'bare', server: 'bare', command: TEST, results: 'chat', due: 'every-ack', levels: all },
    { name: 'bot', server: 'bot', command: TEST, results: 'chat', due: 'started-tests', levels: all },
    {
      name: 'bot-redis',
      server: 'bot-redis',
      command: TEST,
      results: 'chat',
      due: 'started-tests',
      levels: all,
    },
    {
      name: 'bot-fanout',
      server: 'bot',
      command: SHOW,
      results: 'response_url',
      due: 'every-ack',
      levels: [top],
      amount: SMOKE ? undefined : 3000,
    },
    // The same with a read nobody shares: every `keys show` makes its own CloudKnox call.
    {
      name: 'bot-fanout-keys',
      server: 'bot',
      command: KEYS,
      results: 'response_url',
      due: 'every-ack',
      levels: [top],
      amount: SMOKE ? undefined : 3000,
    },
  ];
  const scenarios = allScenarios.filter(
    (sc) => (!ONLY || ONLY.includes(sc.name)) && (sc.server !== 'bot-redis' || redisUrl),
  );
  const needed = new Set(scenarios.map((sc) => sc.server));
  const targets = allTargets.filter((t) => needed.has(t.name));

  // Cold start: process spawn to /readyz 200, bot and bare Bolt alternately.
  const coldStart = {
    bot: { samplesMs: [] as number[], medianMs: 0 },
    bare: { samplesMs: [] as number[], medianMs: 0 },
  };
  for (let i = 0; i < (ONLY ? 0 : COLD_START_SAMPLES); i++) {
    for (const name of ['bot', 'bare'] as const) {
      const r = await startTarget(byName(name));
      coldStart[name].samplesMs.push(r.readyMs);
      await stopProcess(r.child);
    }
  }
  for (const v of Object.values(coldStart)) v.medianMs = median(v.samplesMs);
  log(
    `cold start to /readyz: bot ${fmt(coldStart.bot.medianMs)} ms, bare Bolt ${fmt(coldStart.bare.medianMs)} ms`,
  );

  // Every server stays up for the whole run so that the levels can be interleaved: at each
  // concurrency raw, bare Bolt, the bot and the bot on Redis run one after another, seconds apart,
  // on the same machine state.
  const running = new Map<ServerName, Running>();
  for (const t of targets) running.set(t.name, await startTarget(t));

  const bodiesFor = new Map<string, string[]>();
  for (const text of [TEST, HELP])
    bodiesFor.set(text, slashCommandBodies({ text, responseUrls: { base: emulator.url }, count: 256 }));

  const runOnce = async (sc: Scenario, connections: number, amount: number, maxSeconds: number) => {
    if (WAIT_QUIET) await waitQuiet(30_000, 1000);
    const server = running.get(sc.server)!;
    let bodies = bodiesFor.get(sc.command)!;
    if (sc.results === 'response_url') {
      const res = await fetch(`${emulator.controlUrl}/mint-response-urls?n=${amount}`, { method: 'POST' });
      const { urls } = (await res.json()) as { urls: string[] };
      bodies = slashCommandBodies({ text: sc.command, responseUrls: urls, count: amount });
    }
    const before = await emulatorStats(emulator);
    const rss = sampleRss(server.child.pid!);
    const cpuBefore = cpuTimeMs(server.child.pid!);
    const oursBefore = ourCpuMs();
    const machineBefore = machineCpuMs();
    const result = await load({
      url: server.url,
      connections,
      amount,
      maxSeconds,
      bodies,
      signingSecret: BENCH_SIGNING_SECRET,
      ...(sc.due === 'started-tests' ? { ackMarkers: TEST_ACK_MARKERS } : {}),
    });
    let metrics: RunMetrics = {
      ...result,
      scenario: sc.name,
      server: sc.server,
      command: sc.command,
      concurrency: connections,
      peakRssMiB: 0,
    };
    if (sc.results !== 'none') {
      const expected = sc.due === 'started-tests' ? (result.ackKinds.started ?? 0) : result.ok2xx;
      const count = (st: EmulatorStats) => (sc.results === 'chat' ? st.posts : st.responseUrlPosts);
      const lastAt = (st: EmulatorStats) =>
        sc.results === 'chat' ? st.lastPostAt : st.lastResponseUrlPostAt;
      let after = await waitForResults(
        emulator,
        (st) => count(st) >= count(before) + expected,
        DRAIN_TIMEOUT_MS,
      );
      // Then until nothing more arrives for a moment: a run cut short by its time limit leaves a few
      // requests in flight that were acked and post after all, and the next run must start quiet.
      for (let quiet = 0; quiet < 5;) {
        await sleep(100);
        const now = await emulatorStats(emulator);
        quiet = count(now) === count(after) ? quiet + 1 : 0;
        after = now;
      }
      const received = count(after) - count(before);
      metrics = {
        ...metrics,
        expectedResults: expected,
        receivedResults: received,
        lost: Math.max(0, expected - received),
        failedTests: after.failedTests - before.failedTests,
        allResultsMs: received > 0 ? lastAt(after) - result.startedAt : undefined,
        resultsAfterLastAckMs: received > 0 ? lastAt(after) - result.endedAt : undefined,
      };
    }
    metrics.peakRssMiB = rss.stop();
    const cpuAfter = cpuTimeMs(server.child.pid!);
    const oursAfter = ourCpuMs();
    const machineAfter = machineCpuMs();
    if (machineBefore && machineAfter) {
      const busy = machineAfter.busyMs - machineBefore.busyMs;
      const total = machineAfter.totalMs - machineBefore.totalMs;
      if (total > 0) metrics.otherCpuPercent = Math.max(0, (100 * (busy - (oursAfter - oursBefore))) / total);
    }
    if (cpuBefore !== undefined && cpuAfter !== undefined && result.completed > 0)
      metrics.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1000) / result.completed;
    return metrics;
  };

  for (const sc of scenarios) await runOnce(sc, WARMUP.concurrency, WARMUP.amount, 10);
  log('warm-up done');

  const runs: RunMetrics[] = [];
  const pairedRounds: BenchReport['pairedRounds'] = [];
  const report1 = (sc: Scenario, m: RunMetrics) => {
    log(
      `${sc.name.padEnd(10)} c=${String(m.concurrency).padStart(3)}: ${m.completed} req, ${fmt(m.requestsPerSecond)} req/s, ` +
        `p50 ${fmt(m.latencyMs.p50)} p99 ${fmt(m.latencyMs.p99)} max ${fmt(m.latencyMs.max)} ms, non-2xx ${m.non2xx}, >3 s ${m.over3s}, ` +
        `RSS ${fmt(m.peakRssMiB)} MiB, CPU ${fmt(m.cpuUsPerRequest)} µs/req, other load ${fmt(m.otherCpuPercent)} %` +
        (m.expectedResults !== undefined
          ? `, results ${m.receivedResults}/${m.expectedResults} in ${fmt((m.allResultsMs ?? NaN) / 1000)} s`
          : '') +
        (sc.due === 'started-tests' ? ` (acks: ${JSON.stringify(m.ackKinds)})` : ''),
    );
    if (m.slow.length > 0)
      log(
        `  answers over 1 s (at ms into the run: ms): ${m.slow.map((x) => `${x.atMs}: ${x.latencyMs}`).join(', ')}`,
      );
  };
  for (const level of LEVELS) {
    const pair = PAIR.map((name) => scenarios.find((sc) => sc.name === name)).filter(
      (sc): sc is Scenario => sc !== undefined && sc.levels.includes(level.concurrency),
    );
    const paired = level.concurrency === PAIR_CONCURRENCY && pair.length === 2;
    for (const sc of scenarios) {
      if (!sc.levels.includes(level.concurrency)) continue;
      if (paired && pair.includes(sc)) {
        if (sc !== pair[0]) continue; // both ran in the rounds below
        const rounds: RunMetrics[][] = [];
        for (let i = 0; i < PAIRED_ROUNDS; i++) {
          // Alternate which goes first, so neither always runs on a machine the other just warmed.
          const order = i % 2 === 0 ? pair : [...pair].reverse();
          const round = new Map<Scenario, RunMetrics>();
          for (const p of order) {
            const m = await runOnce(p, level.concurrency, p.amount ?? level.amount, level.maxSeconds);
            report1(p, m);
            round.set(p, m);
          }
          rounds.push(pair.map((p) => round.get(p)!));
        }
        for (const [bare, bot] of rounds)
          pairedRounds.push({
            rps: bot!.requestsPerSecond / bare!.requestsPerSecond,
            p99: bot!.latencyMs.p99 / bare!.latencyMs.p99,
          });
        pair.forEach((_, k) => {
          const all = rounds.map((r) => r[k]!);
          const byRps = [...all].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
          const chosen = byRps[Math.floor((byRps.length - 1) / 2)]!;
          chosen.rounds = all.map((m) => ({
            requestsPerSecond: m.requestsPerSecond,
            p99Ms: m.latencyMs.p99,
            cpuUsPerRequest: m.cpuUsPerRequest,
            otherCpuPercent: m.otherCpuPercent,
          }));
          runs.push(chosen);
        });
        continue;
      }
      let m = await runOnce(sc, level.concurrency, sc.amount ?? level.amount, level.maxSeconds);
      // With --wait-quiet, a run that other work on the machine disturbed anyway is run again (twice
      // at most) and the least disturbed one kept.
      for (let again = 0; WAIT_QUIET && again < 2 && (m.otherCpuPercent ?? 0) > 10; again++) {
        log(
          `${sc.name} c=${level.concurrency}: other work took ${fmt(m.otherCpuPercent)} % of the CPU in the least disturbed attempt so far; running it again`,
        );
        const retry = await runOnce(sc, level.concurrency, sc.amount ?? level.amount, level.maxSeconds);
        retry.attempts = (m.attempts ?? 1) + 1;
        if ((retry.otherCpuPercent ?? 0) < (m.otherCpuPercent ?? 0)) m = retry;
        else m.attempts = retry.attempts;
      }
      runs.push(m);
      report1(sc, m);
    }
  }

  const peakRssLifetimeMiB: Partial<Record<ServerName, number>> = {};
  for (const r of running.values()) peakRssLifetimeMiB[r.target.name] = memoryOf(r.child.pid!)?.hwmMiB;
  await Promise.all([...running.values()].map((r) => stopProcess(r.child)));
  if (redisUrl) await flushRedis(redisUrl);

  const totalSeconds = (performance.now() - started) / 1000 - quietWaitSeconds;
  const report: BenchReport = {
    mode: SMOKE ? 'smoke' : 'full',
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      os: `${os.type()} ${os.release()}`,
      loadAverage: { start: round1(loadAtStart), end: round1(os.loadavg()[0]!) },
    },
    settings: {
      cloudknoxLatencyMs: LATENCY_MS,
      levels: LEVELS,
      warmup: WARMUP,
      scenarios: scenarios.map(({ name, server, command, results, due, levels, amount }) => ({
        name,
        server,
        command: `/cloudknox ${command}`,
        results,
        due,
        levels,
        ...(amount ? { amount } : {}),
      })),
      redisUrl,
      ...(redisSkipped ? { redisSkipped } : {}),
    },
    coldStart,
    runs,
    pairedRounds,
    peakRssLifetimeMiB,
    acceptance: [],
    totalSeconds,
    quietWaitSeconds,
  };
  report.acceptance = acceptance(report);
  return report;
}

function acceptance(report: BenchReport): BenchReport['acceptance'] {
  const run = (sc: ScenarioName, c: number) =>
    report.runs.find((r) => r.scenario === sc && r.concurrency === c);
  const top = Math.max(...report.settings.levels.map((l) => l.concurrency));
  const out: BenchReport['acceptance'] = [
    {
      item: 'finishes in under 5 minutes',
      holds: report.totalSeconds < 300,
      detail: `${fmt(report.totalSeconds)} s`,
    },
  ];
  for (const sc of ['bot', 'bot-redis', 'bot-fanout', 'bot-fanout-keys'] as const) {
    const r = run(sc, top);
    if (!r) continue;
    out.push({
      item: `${sc} (\`${r.command}\`) at concurrency ${top}, CloudKnox ${report.settings.cloudknoxLatencyMs} ms: no ack over 3 s, no non-2xx, no result lost`,
      holds:
        r.over3s === 0 &&
        r.non2xx === 0 &&
        r.errors === 0 &&
        r.lost === 0 &&
        (r.receivedResults ?? 0) > 0 &&
        (r.failedTests ?? 0) === 0,
      detail:
        `>3 s ${r.over3s}, non-2xx ${r.non2xx + r.errors}, results ${r.receivedResults} of ${r.expectedResults} due` +
        (r.failedTests ? `, ${r.failedTests} failed tests` : ''),
    });
  }
  // Like for like: the bot's `servicenow test` runs one test at a time (the rest of a burst is acked
  // with "already running"), so comparing it with bare Bolt posting on every request flatters the
  // bot. The acceptance compares the bot's plain ack (`help`) with bare Bolt's plain ack instead.
  const bot = run('bot-help', PAIR_CONCURRENCY);
  const bare = run('bare-ack', PAIR_CONCURRENCY);
  const rounds = report.pairedRounds;
  if (bot && bare && rounds.length > 0) {
    // The median of the per-round ratios: each round compares the two servers minutes apart at
    // most, so a slow spell on the machine moves both sides of that round's ratio together.
    const judged = (pick: (r: { rps: number; p99: number }) => number) => {
      const values = rounds.map(pick);
      const range = `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}×`;
      return { median: median(values), range };
    };
    const rps = judged((r) => r.rps);
    const p99 = judged((r) => r.p99);
    const n = `${rounds.length} paired round${rounds.length === 1 ? '' : 's'}`;
    out.push({
      item: `bot throughput ≥ 0.8× bare Bolt at concurrency ${PAIR_CONCURRENCY} (both only ack)`,
      holds: rps.median >= 0.8,
      detail: `median of ${n} ${rps.median.toFixed(2)}× (rounds ${rps.range}); median runs: ${fmt(bot.requestsPerSecond)} vs ${fmt(bare.requestsPerSecond)} req/s`,
    });
    out.push({
      item: `bot p99 ack ≤ 1.5× bare Bolt at concurrency ${PAIR_CONCURRENCY} (both only ack)`,
      holds: p99.median <= 1.5,
      detail: `median of ${n} ${p99.median.toFixed(2)}× (rounds ${p99.range}); median runs: ${fmt(bot.latencyMs.p99)} vs ${fmt(bare.latencyMs.p99)} ms`,
    });
  }
  return out;
}

async function flushRedis(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.flushDb();
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

let exitCode = 0;
try {
  const report = await main();
  const markdown = renderMarkdown(report);
  process.stdout.write(markdown + '\n');
  const file = join(RESULTS_DIR, SMOKE ? 'smoke.json' : 'latest.json');
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${file}`);
  if (UPDATE_DOCS && !SMOKE) {
    const doc = join(ROOT, 'BENCHMARKS.md');
    const text = readFileSync(doc, 'utf8');
    const start = '<!-- bench:results:start -->';
    const end = '<!-- bench:results:end -->';
    const i = text.indexOf(start);
    const j = text.indexOf(end);
    if (i < 0 || j < i) throw new Error(`BENCHMARKS.md has no ${start} … ${end} section`);
    const updated = text.slice(0, i + start.length) + '\n\n' + markdown + '\n\n' + text.slice(j);
    // Formatted as `npm run lint` expects (prettier --check).
    const options = { ...(await prettier.resolveConfig(doc)), filepath: doc };
    writeFileSync(doc, await prettier.format(updated, options));
    log('updated BENCHMARKS.md');
  }
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
