import { randomBytes } from 'node:crypto';

/**
 * Slack fills in a `block_id` for blocks sent without one, and an `action_id` for interactive
 * elements without one; stored messages and views carry them. Returns a deep copy, so later
 * changes to the caller's objects do not leak into the emulator's state.
 */
export function withBlockIds(blocks: unknown[]): unknown[] {
  const copy = structuredClone(blocks) as unknown[];
  for (const block of copy) {
    if (typeof block !== 'object' || block === null) continue;
    const b = block as Record<string, unknown>;
    if (typeof b.block_id !== 'string') b.block_id = randomId();
    const elements = [...(Array.isArray(b.elements) ? b.elements : []), b.accessory, b.element];
    for (const el of elements) {
      if (typeof el !== 'object' || el === null) continue;
      const e = el as Record<string, unknown>;
      const interactive = typeof e.type === 'string' && !['mrkdwn', 'plain_text', 'image'].includes(e.type);
      if (interactive && typeof e.action_id !== 'string') e.action_id = randomId();
    }
  }
  return copy;
}

function randomId(): string {
  return randomBytes(3).toString('base64url');
}
