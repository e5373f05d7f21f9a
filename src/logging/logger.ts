import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * JSON logs (DESIGN §6). Redaction is the last line of defence, not the first: code never logs a
 * secret on purpose, and these paths catch the shapes a secret could arrive in by accident
 * (a request's headers, an API answer holding a key).
 */
export const REDACT_PATHS = [
  'password',
  'secretKey',
  'secret_key',
  'accessToken',
  'otp',
  'token',
  'authorization',
  '*.password',
  '*.secretKey',
  '*.secret_key',
  '*.accessToken',
  '*.otp',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'headers["x-cloudknox-access-token"]',
  'req.headers.authorization',
  'err.options',
  'err.request',
  'err.response',
];

export interface LoggerSettings {
  level: string;
  /** Where lines go; stdout by default. Tests pass a sink to read every line. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'cloudknox-chatops' },
    redact: { paths: REDACT_PATHS, censor: '[hidden]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
