import { saveConnection } from '../../flows/save-connection.js';
import { markSaved, saveRefusedMessage, savedMessage } from '../blocks/save-connection.js';
import { postInChannel } from '../post-in-channel.js';
import { updateTestResult } from '../update-test-result.js';
import type { CommandContext } from './command-context.js';

/** `/cloudknox servicenow save`: Save Connection from the command line, same rule as the button. */
export async function servicenowSave(ctx: CommandContext): Promise<void> {
  const { command, services, log } = ctx;
  // Ack first: saving calls CloudKnox, which may take longer than Slack's 3 s.
  await ctx.ack();
  const outcome = await saveConnection({
    cloudknox: services.cloudknox,
    ledger: services.ledger,
    userId: command.user_id,
  });
  if (outcome.kind === 'refused') {
    log.info({ event: 'connection_save_refused', reason: outcome.reason }, 'save refused');
    await ctx.respond({ response_type: 'ephemeral', ...saveRefusedMessage(outcome) });
    return;
  }
  log.info({ event: 'connection_saved' }, 'connection saved');
  await postInChannel({
    client: ctx.client,
    channel: command.channel_id,
    message: savedMessage(outcome, command.user_id),
    respond: ctx.respond,
    log,
  });
  const { test } = outcome;
  if (test.channel && test.ts && test.message) {
    await updateTestResult(
      ctx.client,
      log,
      test.channel,
      test.ts,
      markSaved(test.message as { blocks?: unknown[] }, command.user_id, outcome.at),
    );
  }
}
