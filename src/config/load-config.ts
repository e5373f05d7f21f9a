import { crossFieldProblems, ENV_NAMES, envSchema, type Env } from './env-schema.js';

export type ConfigResult = { ok: true; env: Env } | { ok: false; problems: string[] };

/**
 * Reads the environment once. On failure returns one line per bad variable, naming it and what is
 * wrong. zod's own messages can quote the input, so only our messages (set on every rule) are used,
 * and a generic one where zod produced its own.
 */
export function loadConfig(source: NodeJS.ProcessEnv): ConfigResult {
  const parsed = envSchema.safeParse(source);
  const byVar = new Map<string, string>();
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const name = String(issue.path[0] ?? 'environment');
    if (byVar.has(name)) continue;
    const ours = issue.code === 'custom' || !/received|expected|Invalid/.test(issue.message);
    byVar.set(name, ours ? issue.message : 'has an invalid value');
  }
  for (const [name, message] of crossFieldProblems(source)) if (!byVar.has(name)) byVar.set(name, message);
  if (parsed.success && byVar.size === 0) return { ok: true, env: parsed.data };
  const order = (name: string) => {
    const i = (ENV_NAMES as string[]).indexOf(name);
    return i < 0 ? ENV_NAMES.length : i;
  };
  const problems = [...byVar]
    .sort((a, b) => order(a[0]) - order(b[0]))
    .map(([name, msg]) => `${name} ${msg}`);
  return { ok: false, problems };
}
