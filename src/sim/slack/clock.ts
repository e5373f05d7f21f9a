import { randomBytes, randomInt } from 'node:crypto';

/**
 * The emulator's notion of time. Tests move it forward (`advance`) to expire response URLs or
 * triggers without waiting. Request signatures use the real clock, because the bot checks them
 * against its own.
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Slack-style `seconds.micros` timestamps, strictly increasing so they can serve as message IDs. */
export class TsMinter {
  private lastMicros = 0;

  constructor(private readonly clock: Clock) {}

  next(): string {
    const micros = Math.max(this.clock.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    const rest = String(micros % 1_000_000).padStart(6, '0');
    return `${seconds}.${rest}`;
  }
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function randomDigits(n: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < n) out += String(randomInt(0, 10));
  return out;
}
