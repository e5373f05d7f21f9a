import { errorReply } from '../blocks/error-reply.js';
import { keysListMessage } from '../blocks/keys-list.js';
import type { CommandContext } from './command-context.js';

/** `/cloudknox keys show`: active access keys, masked, ephemeral. */
export async function keysShow(ctx: CommandContext): Promise<void> {
  await ctx.ack();
  try {
    const keys = await ctx.services.cloudknox.listKeys();
    await ctx.respond({ response_type: 'ephemeral', ...keysListMessage(keys, Date.now()) });
  } catch (err) {
    ctx.log.warn({ event: 'keys_read_failed', code: (err as { code?: string }).code }, 'could not list keys');
    await ctx.respond({
      response_type: 'ephemeral',
      ...errorReply('list the access keys from CloudKnox', err),
    });
  }
}
