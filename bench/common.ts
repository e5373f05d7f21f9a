import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SLACK_SEED } from '../src/sim/slack/workspace.js';

/**
 * What the benchmark's processes share: the fake Slack app's credentials, the slash-command bodies
 * the load generator sends, and small helpers to start processes, read their first JSON line, wait
 * for `/readyz` and sample memory. Nothing here is imported by the product.
 */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Not secrets: a benchmark-only Slack app that exists nowhere but on loopback. */
export const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
export const BENCH_BOT_TOKEN = 'xoxb-bench-0000000000-cloudknox';

export const ADMIN_USER = SLACK_SEED.users.admin;
export const APPROVER_USER = SLACK_SEED.users.approver;
export const CHANNEL = SLACK_SEED.channels.secops;

/**
 * Form bodies exactly as Slack sends a slash command (fields and order of payloads.ts), each with its
 * own trigger_id. Built once; the load generator only adds the timestamp and signature per request.
 */
export function slashCommandBodies(opts: {
  text: string;
  count: number;
  /** One per body (valid ones minted by the emulator), or a base URL for placeholders never used. */
  responseUrls: string[] | { base: string };
}): string[] {
  const bodies: string[] = [];
  const responseUrl = (i: number) =>
    Array.isArray(opts.responseUrls)
      ? opts.responseUrls[i % opts.responseUrls.length]!
      : `${opts.responseUrls.base}/response/${SLACK_SEED.team.id}/bench${i}/unused`;
  for (let i = 0; i < opts.count; i++) {
    bodies.push(
      new URLSearchParams({
        token: 'vErIfIcAtIoNtOkEnEmUlAtOr',
        team_id: SLACK_SEED.team.id,
        team_domain: SLACK_SEED.team.domain,
        channel_id: CHANNEL,
        channel_name: 'secops',
        user_id: ADMIN_USER,
        user_name: 'ada.admin',
        command: '/cloudknox',
        text: opts.text,
        api_app_id: SLACK_SEED.app.id,
        is_enterprise_install: 'false',
        response_url: responseUrl(i),
        trigger_id: `${1000 + i}.${Date.now()}.bench${i.toString(16).padStart(8, '0')}`,
      }).toString(),
    );
  }
  return bodies;
}

/** A port that was free a moment ago (the OS picks it); for processes that must be told their port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `node --import tsx <file>`: every server runs the same way, so start-up costs are comparable. */
export function spawnTs(
  file: string,
  opts: {
    env: Record<string, string | undefined>;
    stdout?: 'pipe' | 'ignore' | number;
    stderr?: 'pipe' | 'ignore' | number;
    /** Extra node flags, e.g. ['--cpu-prof']. */
    nodeArgs?: string[];
  },
): ChildProcess {
  return spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', file], {
    cwd: ROOT,
    env: opts.env,
    stdio: ['ignore', opts.stdout ?? 'pipe', opts.stderr ?? 'pipe'],
  });
}

/** Resolves with the first stdout line that parses as JSON; rejects if the process exits first. */
export function firstJsonLine<T>(child: ChildProcess, what: string, timeoutMs = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(
      () => done(new Error(`${what}: no JSON line within ${timeoutMs} ms ${err}`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const parsed = JSON.parse(line) as T;
          return done(undefined, parsed);
        } catch {
          // not JSON: keep reading
        }
      }
    };
    const onErr = (d: Buffer) => (err = (err + d.toString('utf8')).slice(-2000));
    const onExit = (code: number | null) =>
      done(new Error(`${what} exited with ${code} before it was ready: ${err}`));
    const done = (e?: Error, value?: T) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining stdout so a chatty child never blocks on a full pipe.
      child.stdout?.resume();
      if (e) reject(e);
      else resolve(value as T);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

/**
 * Polls `GET url` every 5 ms until it answers 200; resolves with ms since `since` (a
 * performance.now() taken just before the process was spawned).
 */
export async function waitForOk(
  url: string,
  since: number,
  timeoutMs = 30_000,
  child?: ChildProcess,
): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** VmRSS and VmHWM (peak) of a process from /proc, in MiB; undefined off Linux or once it exited. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;
/** User + system CPU time a process has used so far, in ms (from /proc/<pid>/stat); undefined off Linux. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") "; utime and stime are the
    // 14th and 15th fields of the whole line, so the 12th and 13th after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/** All CPUs' busy and total time so far, in ms (first line of /proc/stat); undefined off Linux. */
export function machineCpuMs(): { busyMs: number; totalMs: number } | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const v = fields.map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busyMs: ((total - idle) * 1000) / clockTicks, totalMs: (total * 1000) / clockTicks };
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `everyMs` until stopped; returns the highest value seen (MiB). */
export function sampleRss(pid: number, everyMs = 25): { stop(): number } {
  let peak = memoryOf(pid)?.rssMiB ?? 0;
  const timer = setInterval(() => {
    const m = memoryOf(pid);
    if (m && m.rssMiB > peak) peak = m.rssMiB;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const m = memoryOf(pid);
      if (m && m.rssMiB > peak) peak = m.rssMiB;
      return peak;
    },
  };
}

/** Sends SIGTERM and waits for the exit (SIGKILL after `graceMs`). */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The q-quantile (0..1) of ascending-sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx]!;
}

export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
