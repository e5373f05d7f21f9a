import { loadConfig } from './config/load-config.js';
import { errorSummary } from './logging/error-summary.js';
import { createLogger } from './logging/logger.js';
import { startBot, StartupError } from './start-bot.js';

/**
 * Process entry: read the environment once, start, and stop cleanly on SIGTERM/SIGINT.
 * Configuration problems are printed one per line, naming the variable and never its value.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (!config.ok) {
    for (const problem of config.problems) console.error(`config error: ${problem}`);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger({ level: config.env.LOG_LEVEL });
  let running: Awaited<ReturnType<typeof startBot>>;
  try {
    running = await startBot(config.env, logger);
  } catch (err) {
    const message = err instanceof StartupError ? err.message : 'start-up failed';
    logger.fatal({ event: 'startup_failed', err: err instanceof StartupError ? undefined : err }, message);
    process.exitCode = 1;
    return;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'stopping', signal }, 'stopping');
    // The bot drains acked work for up to 10 s; past 15 s something is stuck.
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    running.stop().then(
      () => logger.info({ event: 'stopped' }, 'stopped'),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exitCode = 1;
      },
    );
  };
  // A stray rejection is a bug to log, not a reason to drop every other user's request in flight.
  process.on('unhandledRejection', (reason) => {
    logger.error({ event: 'unhandled_rejection', err: errorSummary(reason) }, 'unhandled promise rejection');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
