import { randomBytes } from 'node:crypto';
import { TEST_WINDOW_MS, testCooldownUntil } from '../../flows/connection-ledger.js';
import { testConnection } from '../../flows/test-connection.js';
import { connectionTestResultMessage } from '../blocks/connection-test-result.js';
import { testCooldownMessage, testRunningMessage } from '../blocks/cooldown.js';
import { postInChannel } from '../post-in-channel.js';
import type { CommandContext } from './command-context.js';

/**
 * `/cloudknox servicenow test`: one test at a time and none during a cool-down; otherwise ack at
 * once, run the three checks, remember the result (before anything can go wrong with posting it),
 * and post one result in the channel.
 */
export async function servicenowTest(ctx: CommandContext): Promise<void> {
  const { command, services, log } = ctx;
  const { settings, ledger } = services;
  const owner = `${command.user_id}:${randomBytes(4).toString('hex')}`;
  if (!(await ledger.beginTest(owner))) {
    await ctx.ack({ response_type: 'ephemeral', ...testRunningMessage() });
    return;
  }
  try {
    const now = Date.now();
    const until = testCooldownUntil(await ledger.failedTestsSince(now - TEST_WINDOW_MS), now);
    if (until !== undefined) {
      log.info(
        { event: 'connection_test_refused', reason: 'cooldown', until },
        'test refused during cool-down',
      );
      await ctx.ack({ response_type: 'ephemeral', ...testCooldownMessage(until, settings.integrationUser) });
      return;
    }
    await ctx.ack({
      response_type: 'ephemeral',
      text: ':hourglass_flowing_sand: Testing the ServiceNow connection…',
    });
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
    const record = { at: Date.now(), by: command.user_id, ok: report.ok };
    await ledger.recordTest(record);
    const message = connectionTestResultMessage(report, {
      requestedBy: command.user_id,
      servicenowUrl: settings.servicenowUrl,
      cloudknoxUrl: settings.cloudknoxUrl,
    });
    const posted = await postInChannel({
      client: ctx.client,
      channel: command.channel_id,
      message,
      respond: ctx.respond,
      log,
    });
    // Where the result is, so Save Connection can update it in place.
    if (report.ok && posted.ts)
      await ledger.recordTest({ ...record, channel: command.channel_id, ts: posted.ts, message });
  } finally {
    await ledger.endTest(owner).catch(() => undefined);
  }
}
