import type { KnownBlock } from '@slack/types';

/** What a builder returns: blocks plus the plain-text fallback Slack uses in notifications. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}
