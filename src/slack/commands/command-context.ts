import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../logging/logger.js';
import type { BotServices } from '../bot-services.js';

/** What every subcommand handler receives: Bolt's pieces it needs, our services, a request logger. */
export interface CommandContext {
  command: SlashCommand;
  ack: (response?: {
    response_type?: 'ephemeral' | 'in_channel';
    text?: string;
    blocks?: unknown[];
  }) => Promise<void>;
  respond: RespondFn;
  client: WebClient;
  services: BotServices;
  log: Logger;
}
