import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs `src/main.ts` as its own process, as `npm start` would run the build, and reads its JSON logs. */
export interface BotProcess {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
  port: number;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export function spawnMain(env: Record<string, string>): {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(...d.toString('utf8').split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, stderr, exited };
}

export async function startMain(env: Record<string, string>): Promise<BotProcess> {
  const p = spawnMain(env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      for (const line of p.lines) {
        try {
          const parsed = JSON.parse(line) as { event?: string; port?: number };
          if (parsed.event === 'started' && parsed.port) {
            clearInterval(timer);
            resolve(parsed.port);
            return;
          }
        } catch {
          /* not JSON */
        }
      }
    }, 25);
    void p.exited.then((code) => {
      clearInterval(timer);
      reject(
        new Error(`bot exited with ${code} before listening: ${p.stderr.join('\n')} ${p.lines.join('\n')}`),
      );
    });
  });
  return {
    ...p,
    port,
    stop: async () => {
      p.child.kill('SIGTERM');
      return p.exited;
    },
  };
}
