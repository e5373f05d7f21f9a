import type { App } from '@slack/bolt';
import type { Role } from '../../access/access-control.js';
import type { BotServices } from '../bot-services.js';
import { helpMessage, unknownCommandMessage } from '../blocks/help.js';
import { errorReply } from '../blocks/error-reply.js';
import { accessRefusedMessage } from '../blocks/refusals.js';
import { errorSummary } from '../../logging/error-summary.js';
import { parseCommandText, type ParsedCommand } from '../command-text.js';
import { SLASH_COMMAND } from '../ids.js';
import { requestLog } from '../request-log.js';
import type { CommandContext } from './command-context.js';
import { auditShow } from './audit.js';
import { keysRotate } from './keys-rotate.js';
import { keysShow } from './keys-show.js';
import { servicenowSave } from './servicenow-save.js';
import { servicenowShow } from './servicenow-show.js';
import { servicenowTest } from './servicenow-test.js';

type Kind = ParsedCommand['kind'];
interface Route {
  /** Words as the user would type them, for refusals. */
  label: string;
  roles: Role[];
  run: (ctx: CommandContext, parsed: ParsedCommand) => Promise<void>;
}

/** Subcommand → who may run it and what runs. Help and unknown are answered before this table. */
const ROUTES: Record<Exclude<Kind, 'help' | 'unknown'>, Route> = {
  servicenow_test: { label: 'servicenow test', roles: ['admin'], run: (ctx) => servicenowTest(ctx) },
  servicenow_show: {
    label: 'servicenow show',
    roles: ['admin', 'approver'],
    run: (ctx) => servicenowShow(ctx),
  },
  servicenow_save: { label: 'servicenow save', roles: ['admin'], run: (ctx) => servicenowSave(ctx) },
  keys_show: { label: 'keys show', roles: ['admin', 'approver'], run: (ctx) => keysShow(ctx) },
  keys_rotate: { label: 'keys rotate', roles: ['admin'], run: keysRotate },
  audit: { label: 'audit', roles: ['admin'], run: auditShow },
};

export function registerCloudKnoxCommand(app: App, services: BotServices): void {
  app.command(SLASH_COMMAND, async ({ command, ack, respond, client, context }) => {
    const log = requestLog(context);
    const parsed = parseCommandText(command.text);
    log.info({ subcommand: parsed.kind }, 'command received');
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', ...helpMessage() });
    if (parsed.kind === 'unknown') {
      return ack({ response_type: 'ephemeral', ...unknownCommandMessage(parsed.input, parsed.suggestion) });
    }
    const route = ROUTES[parsed.kind];
    // Every command gets an answer: whatever fails, the user hears what and what to do next.
    let acked = false;
    const trackedAck: CommandContext['ack'] = async (response) => {
      acked = true;
      await ack(response);
    };
    try {
      const decision = await services.access.check(command.user_id, route.roles);
      if (!decision.allowed) {
        log.info(
          { event: 'access_refused', reason: decision.reason, failedGroups: decision.failedGroups },
          'command refused',
        );
        return await trackedAck({
          response_type: 'ephemeral',
          ...accessRefusedMessage(decision, route.label, route.roles),
        });
      }
      await route.run({ command, ack: trackedAck, respond, client, services, log }, parsed);
    } catch (err) {
      log.error({ event: 'command_failed', err: errorSummary(err) }, 'command failed');
      const reply = { response_type: 'ephemeral' as const, ...errorReply(`finish ${route.label}`, err) };
      if (!acked) await trackedAck(reply);
      else await respond(reply).catch(() => undefined);
    }
  });
}
