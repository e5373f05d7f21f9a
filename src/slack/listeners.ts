import type { App } from '@slack/bolt';
import type { BotServices } from './bot-services.js';
import { rotationButtons } from './actions/rotation-buttons.js';
import { saveConnectionButton } from './actions/save-connection-button.js';
import { registerCloudKnoxCommand } from './commands/cloudknox-command.js';
import { ACTION_IDS, SLASH_COMMAND, VIEW_IDS } from './ids.js';
import { onButtons, onViewSubmissions } from './interaction-listeners.js';
import type { KnownIds } from './known-ids.js';
import { denySubmission } from './views/deny-submission.js';
import { otpSubmission } from './views/otp-submission.js';

/**
 * Every Slack listener the bot has, registered in one place so the transport (HTTP or Socket Mode)
 * never decides what is listened to. The ids come from `ids.ts`. Returns the ids listened to, so
 * that everything else is acked at once (known-ids.ts).
 */
export function registerListeners(app: App, services: BotServices): KnownIds {
  registerCloudKnoxCommand(app, services);
  const actionIds = onButtons(app, {
    [ACTION_IDS.saveConnection]: saveConnectionButton(services),
    ...rotationButtons(services),
  });
  const viewIds = onViewSubmissions(app, {
    [VIEW_IDS.otp]: otpSubmission(services),
    [VIEW_IDS.denyReason]: denySubmission(services),
  });
  return { command: SLASH_COMMAND, actionIds, viewIds };
}
