import type { WebClient } from '@slack/web-api';
import type { ModalView } from '@slack/types';
import type { RotationRequest } from '../flows/rotation/request.js';
import type { Logger } from '../logging/logger.js';
import { rotationCardMessage, rotationResultMessage } from './blocks/rotation-card.js';
import { slackErrorCode } from './slack-error.js';

/**
 * Keeping Slack in step with a rotation request. Each of these is best effort: the request's state
 * is already stored, so a failed Slack update is logged, never turned into a failed rotation.
 */
/** Resolves false when Slack refused the update (issue 6: callers with a response_url fall back to it). */
export async function updateCard(client: WebClient, log: Logger, req: RotationRequest): Promise<boolean> {
  if (!req.cardTs) return false;
  try {
    await client.chat.update({ channel: req.channel, ts: req.cardTs, ...rotationCardMessage(req) });
    return true;
  } catch (err) {
    log.warn(
      { event: 'card_update_failed', rotationId: req.id, slackError: slackErrorCode(err) },
      'could not update the approval card',
    );
    return false;
  }
}

export async function updateView(
  client: WebClient,
  log: Logger,
  viewId: string | undefined,
  view: ModalView,
): Promise<void> {
  if (!viewId) return;
  try {
    await client.views.update({ view_id: viewId, view });
  } catch (err) {
    // The user may have closed the modal: that is their choice, not an error.
    log.info({ event: 'view_update_skipped', slackError: slackErrorCode(err) }, 'could not update the modal');
  }
}

export async function postResult(client: WebClient, log: Logger, req: RotationRequest): Promise<void> {
  try {
    await client.chat.postMessage({ channel: req.channel, ...rotationResultMessage(req) });
  } catch (err) {
    log.warn(
      { event: 'result_post_failed', rotationId: req.id, slackError: slackErrorCode(err) },
      'could not post the rotation result',
    );
  }
}
