import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from './logger.js';

/** Bolt and its WebClient log through this, so their lines are JSON like ours and share redaction. */
export function toBoltLogger(base: Logger): BoltLogger {
  const log = base.child({ component: 'bolt' });
  const text = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  return {
    debug: (...msgs) => log.debug(text(msgs)),
    info: (...msgs) => log.info(text(msgs)),
    warn: (...msgs) => log.warn(text(msgs)),
    error: (...msgs) => log.error(text(msgs)),
    setLevel: () => undefined, // the level is LOG_LEVEL, set once for the whole process
    getLevel: () => (log.level === 'debug' || log.level === 'trace' ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => undefined,
  };
}
