import { LogLevel, type Logger } from '@slack/web-api';

/** A @slack/web-api logger that drops everything, so expected API errors do not clutter test or sandbox output. */
export function quietLogger(): Logger {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    setLevel: () => undefined,
    getLevel: () => LogLevel.ERROR,
    setName: () => undefined,
  };
}
