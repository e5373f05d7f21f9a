import { errorReply } from '../blocks/error-reply.js';
import { integrationTabMessage } from '../blocks/integration-tab.js';
import type { CommandContext } from './command-context.js';

/** `/cloudknox servicenow show`: the Integration tab, ephemeral. Acked first; CloudKnox may be slow. */
export async function servicenowShow(ctx: CommandContext): Promise<void> {
  await ctx.ack();
  try {
    const integration = await ctx.services.integrationForDisplay();
    await ctx.respond({ response_type: 'ephemeral', ...integrationTabMessage(integration) });
  } catch (err) {
    ctx.log.warn(
      { event: 'integration_read_failed', code: (err as { code?: string }).code },
      'could not read integration',
    );
    await ctx.respond({
      response_type: 'ephemeral',
      ...errorReply('read the integration from CloudKnox', err),
    });
  }
}
