import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Env } from '../config/env-schema.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../logging/logger.js';
import { startBot, type BotTuning, type RunningBot } from '../start-bot.js';
import type { SeedCredentials } from './seed.js';
import { startSimulators, type Simulators } from './simulators.js';
import { SLACK_SEED, startSlackEmulator, type SlackEmulator } from './slack/index.js';

/**
 * Slack emulator + CloudKnox and ServiceNow simulators + the real bot (built by the same composition
 * root as production, over real HTTP with real signatures, or over Socket Mode with `socketMode`).
 * The sandbox and the end-to-end tests both stand on this.
 */
export interface World {
  sims: Simulators;
  slack: SlackEmulator;
  bot: RunningBot;
  env: Env;
  /** The environment as strings, secrets included: what an operator would have set. */
  rawEnv: Record<string, string>;
  /** Every log line the bot wrote (JSON strings), unless `captureLogs` is false. */
  logs: string[];
  close(): Promise<void>;
}

export interface WorldOptions {
  seed?: SeedCredentials;
  /** Overrides (and additions) to the bot's environment. */
  env?: Record<string, string>;
  captureLogs?: boolean;
  /** Where log lines go when not captured (default: nowhere). */
  logSink?: (line: string) => void;
  ackTimeoutMs?: number;
  signingSecret?: string;
  botToken?: string;
  tuning?: BotTuning;
  /**
   * Run the bot over Socket Mode: it gets the emulator's app-level token as SLACK_APP_TOKEN (and no
   * signing secret), connects to the emulator's socket, and the driver sends interactions there.
   */
  socketMode?: boolean;
}

/**
 * Run before every world closes, while its store is still open. The test suite registers a leak
 * hunt here (test/support/leak-watch.ts), so every flow any test drives is checked for secrets.
 */
export const worldCloseHooks: Array<(world: World) => Promise<void> | void> = [];

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const sims = await startSimulators({ seed: opts.seed });
  const signingSecret = opts.signingSecret ?? randomBytes(16).toString('hex');
  const botToken = opts.botToken ?? `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
  const slack = await startSlackEmulator({ signingSecret, botToken, ackTimeoutMs: opts.ackTimeoutMs });
  const rawEnv: Record<string, string> = {
    ...(opts.socketMode ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: signingSecret }),
    SLACK_BOT_TOKEN: botToken,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    CLOUDKNOX_ADMINS: `${SLACK_SEED.users.admin},${SLACK_SEED.groups.secAdmins}`,
    CLOUDKNOX_APPROVERS: SLACK_SEED.groups.approvers,
    LOG_LEVEL: 'info',
    ...sims.env,
    ...opts.env,
  };
  const config = loadConfig(rawEnv);
  if (!config.ok) {
    await Promise.all([sims.close(), slack.close()]);
    throw new Error(`world environment is invalid: ${config.problems.join('; ')}`);
  }
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = chunk.toString('utf8');
      if (opts.captureLogs !== false) logs.push(line);
      opts.logSink?.(line);
      done();
    },
  });
  const logger = createLogger({ level: config.env.LOG_LEVEL, destination });
  const bot = await startBot(config.env, logger, opts.tuning).catch(async (err: unknown) => {
    await Promise.all([sims.close(), slack.close()]);
    throw err;
  });
  if (bot.bot.mode === 'socket') slack.driver.transport = 'socket';
  else slack.appUrl = `http://127.0.0.1:${bot.port}/slack/events`;
  const world: World = {
    sims,
    slack,
    bot,
    env: config.env,
    rawEnv,
    logs,
    close: async () => {
      for (const hook of worldCloseHooks) await hook(world);
      await bot.stop();
      await Promise.all([sims.close(), slack.close()]);
    },
  };
  return world;
}
