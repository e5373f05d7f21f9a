import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from './logger.js';

/**
 * At debug level Bolt logs every incoming body (`JSON.stringify(body)`) and @slack/web-api logs
 * request and response bodies. Those carry what users typed, such as the emailed code in the
 * Verify modal, so they are dropped here: our own request logger says what arrived, without it.
 */
const BODY_DUMPS = [
  /^\s*[[{]/,
  /^http request (result|body|headers):/,
  /^ack\(\) call begins/,
  /storedResponse:/,
];

function isBodyDump(text: string): boolean {
  return text.length > 500 || BODY_DUMPS.some((re) => re.test(text));
}

/** Bolt and its WebClient log through this, so their lines are JSON like ours and share redaction. */
export function toBoltLogger(base: Logger): BoltLogger {
  const log = base.child({ component: 'bolt' });
  const text = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  return {
    debug: (...msgs) => {
      // Bolt logs at debug twice per request; at info level that should cost nothing.
      if (!log.isLevelEnabled('debug')) return;
      const t = text(msgs);
      if (!isBodyDump(t)) log.debug(t);
    },
    info: (...msgs) => log.info(text(msgs)),
    warn: (...msgs) => log.warn(text(msgs)),
    error: (...msgs) => log.error(text(msgs)),
    setLevel: () => undefined, // the level is LOG_LEVEL, set once for the whole process
    getLevel: () => (log.level === 'debug' || log.level === 'trace' ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => undefined,
  };
}
