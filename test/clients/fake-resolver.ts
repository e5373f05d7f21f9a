import { isIP } from 'node:net';
import type { ResolveFunction } from '../../src/clients/outbound-policy.js';

/**
 * A DNS resolver for the outbound policy that answers from a table, asynchronously like the real
 * one, and records each question. Lets tests map names to private, link-local or metadata addresses
 * without any packet leaving the process. A name not in the table fails with ENOTFOUND.
 */
export function fakeResolver(table: Record<string, string[] | (() => string[])>) {
  const asked: string[] = [];
  const resolve: ResolveFunction = (hostname, _options, callback) => {
    asked.push(hostname);
    const entry = table[hostname];
    setImmediate(() => {
      if (entry === undefined) {
        const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        err.code = 'ENOTFOUND';
        return callback(err, []);
      }
      const list = typeof entry === 'function' ? entry() : entry;
      callback(
        null,
        list.map((address) => ({ address, family: isIP(address) })),
      );
    });
  };
  return { resolve, asked };
}
