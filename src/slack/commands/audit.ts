import { auditListMessage } from '../blocks/audit-list.js';
import type { ParsedCommand } from '../command-text.js';
import type { CommandContext } from './command-context.js';

/** `/cloudknox audit [n]`: the latest n audit events (default 20), ephemeral, admins only. */
export async function auditShow(ctx: CommandContext, parsed: ParsedCommand): Promise<void> {
  const count = parsed.kind === 'audit' ? parsed.count : 20;
  await ctx.ack({ response_type: 'ephemeral', ...auditListMessage(await ctx.services.audit.recent(count)) });
}
