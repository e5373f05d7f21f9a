import type { SlackMessage } from '../../src/sim/slack/index.js';

/** All the text a person would read in a message: fallback text plus every text field in its blocks. */
export function visibleText(m: { text?: string; blocks?: unknown[] } | undefined): string {
  if (!m) return '';
  const parts: string[] = [m.text ?? ''];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') parts.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return parts.join('\n');
}

/** Button action ids in a message. */
export function buttons(m: SlackMessage | undefined): string[] {
  const ids: string[] = [];
  for (const b of (m?.blocks ?? []) as Array<{ elements?: Array<{ type?: string; action_id?: string }> }>) {
    for (const e of b.elements ?? []) if (e.type === 'button' && e.action_id) ids.push(e.action_id);
  }
  return ids;
}

/** Waits until `check` returns a value (not undefined), polling briefly. */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
