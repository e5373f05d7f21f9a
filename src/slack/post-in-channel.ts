import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import type { SlackMessage } from './blocks/types.js';
import { slackErrorCode } from './slack-error.js';

const NOT_THERE = new Set(['not_in_channel', 'channel_not_found']);

/**
 * Posts a result in the channel the command came from. If the bot is not in that channel (or it is a
 * DM Slack will not let the bot write to), the command's response_url still can: the result goes
 * there, with a hint on how to invite the bot. Returns the message ts when posted with chat.postMessage.
 */
export async function postInChannel(args: {
  client: WebClient;
  channel: string;
  message: SlackMessage;
  respond: RespondFn;
  log: Logger;
}): Promise<{ ts: string | undefined; via: 'chat' | 'response_url' }> {
  try {
    const res = await args.client.chat.postMessage({ channel: args.channel, ...args.message });
    return { ts: res.ts, via: 'chat' };
  } catch (err) {
    const code = slackErrorCode(err);
    if (!code || !NOT_THERE.has(code)) throw err;
    args.log.info({ slackError: code }, 'bot cannot post in channel; answering through response_url');
    await args.respond({ response_type: 'in_channel', ...args.message });
    await args.respond({
      response_type: 'ephemeral',
      text: "I'm not a member of this channel, so I answered through the command's reply link. Invite me with `/invite @CloudKnox` so I can post updates and buttons here.",
    });
    return { ts: undefined, via: 'response_url' };
  }
}
