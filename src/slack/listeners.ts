import type { App } from '@slack/bolt';
import type { BotServices } from './bot-services.js';
import { registerRotationButtons } from './actions/rotation-buttons.js';
import { registerSaveConnectionButton } from './actions/save-connection-button.js';
import { registerCloudKnoxCommand } from './commands/cloudknox-command.js';
import { registerDenySubmission } from './views/deny-submission.js';
import { registerOtpSubmission } from './views/otp-submission.js';

/**
 * Every Slack listener the bot has, registered in one place so the transport (HTTP or Socket Mode)
 * never decides what is listened to. The ids come from `ids.ts`.
 */
export function registerListeners(app: App, services: BotServices): void {
  registerCloudKnoxCommand(app, services);
  registerSaveConnectionButton(app, services);
  registerRotationButtons(app, services);
  registerOtpSubmission(app, services);
  registerDenySubmission(app, services);
}
