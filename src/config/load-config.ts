import { envSchema, type Env } from './env-schema.js';

export type ConfigResult = { ok: true; env: Env } | { ok: false; problems: string[] };

/**
 * Reads the environment once. On failure returns one line per bad variable, naming it and what is
 * wrong. zod's own messages can quote the input, so only our messages (set on every rule) are used,
 * and a generic one where zod produced its own.
 */
export function loadConfig(source: NodeJS.ProcessEnv): ConfigResult {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) return { ok: true, env: parsed.data };
  const byVar = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? 'environment');
    if (byVar.has(name)) continue;
    const ours = issue.code === 'custom' || !/received|expected|Invalid/.test(issue.message);
    byVar.set(name, ours ? issue.message : 'has an invalid value');
  }
  return { ok: false, problems: [...byVar].map(([name, msg]) => `${name} ${msg}`) };
}
