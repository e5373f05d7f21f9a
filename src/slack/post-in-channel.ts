import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logging/logger.js';
import type { SlackMessage } from './blocks/types.js';
import { slackErrorCode } from './slack-error.js';

const NOT_THERE = new Set(['not_in_channel', 'channel_not_found']);

/**
 * Posts a result in the channel the command came from. If Slack refuses (the bot is not in the
 * channel, a DM it cannot write to, an announcement-only channel, a Slack hiccup), the command's
 * response_url still can: the result goes there, with a note saying why. A result is never lost
 * silently. Returns the message ts when posted with chat.postMessage.
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
    const code = slackErrorCode(err) ?? 'no_answer';
    args.log.info({ slackError: code }, 'bot cannot post in channel; answering through response_url');
    await args.respond({ response_type: 'in_channel', ...args.message });
    await args.respond({
      response_type: 'ephemeral',
      text: NOT_THERE.has(code)
        ? "I'm not a member of this channel, so I answered through the command's reply link. Invite me with `/invite @CloudKnox` so I can post updates and buttons here."
        : `Slack would not let me post in this channel (\`${code}\`), so I answered through the command's reply link instead.`,
    });
    return { ts: undefined, via: 'response_url' };
  }
}
