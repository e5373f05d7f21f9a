import { testConnection } from '../../flows/test-connection.js';
import { connectionTestResultMessage } from '../blocks/connection-test-result.js';
import { postInChannel } from '../post-in-channel.js';
import type { CommandContext } from './command-context.js';

/** `/cloudknox servicenow test`: ack at once, run the three checks, post one result in the channel. */
export async function servicenowTest(ctx: CommandContext): Promise<void> {
  const { command, services, log } = ctx;
  await ctx.ack({
    response_type: 'ephemeral',
    text: ':hourglass_flowing_sand: Testing the ServiceNow connection…',
  });
  const { settings } = services;
  const report = await testConnection({
    cloudknox: services.cloudknox,
    servicenow: services.servicenow,
    configTable: settings.configTable,
    integrationUser: settings.integrationUser,
  });
  log.info(
    {
      event: 'connection_test',
      ok: report.ok,
      checks: Object.fromEntries(Object.entries(report.checks).map(([id, c]) => [id, c.kind])),
      durationMs: report.durationMs,
    },
    'connection test finished',
  );
  const message = connectionTestResultMessage(report, {
    requestedBy: command.user_id,
    servicenowUrl: settings.servicenowUrl,
    cloudknoxUrl: settings.cloudknoxUrl,
  });
  await postInChannel({
    client: ctx.client,
    channel: command.channel_id,
    message,
    respond: ctx.respond,
    log,
  });
}
