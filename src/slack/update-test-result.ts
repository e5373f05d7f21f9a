import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import type { SlackMessage } from './blocks/types.js';
import { slackErrorCode } from './slack-error.js';

/**
 * Updates a posted test result in place. A failure here is cosmetic (the save itself succeeded),
 * so it is logged, not shown as an error.
 */
export async function updateTestResult(
  client: WebClient,
  log: Logger,
  channel: string,
  ts: string,
  message: SlackMessage,
): Promise<boolean> {
  try {
    await client.chat.update({ channel, ts, ...message });
    return true;
  } catch (err) {
    log.warn(
      { event: 'message_update_failed', slackError: slackErrorCode(err) },
      'could not update the test result',
    );
    return false;
  }
}
