/** The Slack emulator (DESIGN §7): Web API server, response_urls, and a driver that plays Slack's client side. */
export { startSlackEmulator } from './emulator.js';
export type { SlackEmulator, SlackEmulatorOptions } from './emulator.js';
export { SlackDriver } from './driver.js';
export type {
  BlockActionOptions,
  BlockActionResult,
  DriverResult,
  SignedPostOptions,
  SlashCommandOptions,
  SlashCommandResult,
  ViewSubmissionOptions,
  ViewSubmissionResult,
} from './driver.js';
export { MODAL_TROUBLE } from './ack.js';
export { checkMessageBlocks, checkView } from './block-limits.js';
export { encodeCommandText, escapeEntities } from './escape.js';
export { slackSignature, signedHeaders } from './signing.js';
export { toApiMessage } from './history.js';
export type { MessageEvent, MessageOrigin, SlackMessage } from './history.js';
export type { ApiCall } from './recorder.js';
export type { ResponseUrlBinding, ResponseUrlPost } from './response-urls.js';
export type { EmulatedView, ViewEvent } from './views.js';
export * from './workspace.js';
export { quietLogger } from './quiet-logger.js';
