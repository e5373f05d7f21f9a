/**
 * The Lua scripts behind the atomic operations on Redis. A script runs without any other command
 * interleaving, on whichever replica calls it, which is what makes "first decision wins" hold
 * across processes. Values are compared as the exact canonical JSON text keyv stored.
 *
 * A TTL argument of '' means "none given".
 */

/** KEYS[1] key; ARGV: expected text, next text, TTL ms ('' keeps the key's current expiry). */
export const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`;

/** KEYS[1] lease key; ARGV: owner, TTL ms. Only the holder may extend its lease. */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`;

/** KEYS[1] lease key; ARGV: owner. Only the holder may release its lease. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/** KEYS[1] list key; ARGV: text, max length, TTL ms ('' keeps the list's current expiry). */
export const PUSH_CAPPED = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`;
