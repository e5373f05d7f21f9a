import { randomBytes } from 'node:crypto';
import { defaultSeed, type SeedCredentials } from '../../src/sim/seed.js';
import type { World } from '../../src/sim/world.js';

/**
 * Canary secrets (DESIGN §8): unique values planted as every secret the bot handles, then hunted
 * for in everything that leaves the bot. A hit names the secret and where it was found.
 */
export function canary(label: string): string {
  return `CANARY${label}${randomBytes(6).toString('hex')}`;
}

export function canarySeed(): SeedCredentials {
  const seed = defaultSeed();
  seed.cloudknox.secretKey = canary('cksecret');
  seed.cloudknox.bot.secretKey = canary('ckbotsecret');
  seed.servicenow.botPassword = canary('snbotpw#%^*{}:ü');
  seed.servicenow.integrationPassword = canary('snintpw');
  return seed;
}

export interface CanaryWorldSecrets {
  botToken: string;
  signingSecret: string;
}

export function canarySlackSecrets(): CanaryWorldSecrets {
  return { botToken: `xoxb-${canary('slackbot')}`, signingSecret: canary('signing') };
}

/** Every secret the world knows of, by name, including CloudKnox access tokens issued so far. */
export function secretsOf(world: World, extra: Record<string, string> = {}): Record<string, string> {
  const s = world.sims.seed;
  const secrets: Record<string, string> = {
    'CloudKnox integration secret key': s.cloudknox.secretKey,
    'CloudKnox bot secret key': s.cloudknox.bot.secretKey,
    'ServiceNow bot password': s.servicenow.botPassword,
    'ServiceNow integration password': s.servicenow.integrationPassword,
    // A leaked Authorization header would show as base64 of these (findLeaks checks base64 forms).
    'ServiceNow bot Basic auth': `${s.servicenow.botUsername}:${s.servicenow.botPassword}`,
    'ServiceNow integration Basic auth': `${s.servicenow.integrationUsername}:${s.servicenow.integrationPassword}`,
    'Slack bot token': world.rawEnv.SLACK_BOT_TOKEN!,
    'Slack signing secret': world.rawEnv.SLACK_SIGNING_SECRET ?? '',
    'Slack app-level token': world.rawEnv.SLACK_APP_TOKEN ?? '',
    ...extra,
  };
  world.sims.cloudknox.issuedTokens().forEach((t, i) => (secrets[`CloudKnox access token #${i + 1}`] = t));
  return secrets;
}

/** What left the bot towards Slack (API call arguments, response_url posts, acks) and its logs. */
export function outboundTraffic(world: World, acks: string[] = []): Record<string, string> {
  return {
    'Slack Web API arguments': JSON.stringify(
      world.slack.calls.map((c) => ({ method: c.method, args: c.args })),
    ),
    'response_url posts': JSON.stringify(world.slack.responseUrlPosts),
    'messages and views in Slack': JSON.stringify({
      views: [...world.slack.views().values()].map((v) => v.payload),
    }),
    'acks to Slack': acks.join('\n'),
    logs: world.logs.join(''),
  };
}

/** Returns `secret → where` for every hit, plus the encoded forms a leak could take. */
export function findLeaks(secrets: Record<string, string>, places: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (!value) continue; // e.g. no signing secret in Socket Mode
    const forms = new Set([
      value,
      encodeURIComponent(value),
      JSON.stringify(value).slice(1, -1),
      Buffer.from(value).toString('base64'),
    ]);
    for (const [where, text] of Object.entries(places)) {
      if ([...forms].some((form) => form && text.includes(form))) hits.push(`${name} found in ${where}`);
    }
  }
  return hits;
}

/** Everything in the bot's state store, as text: values and lists alike. */
export async function storeContents(w: World): Promise<string> {
  const { z } = await import('zod');
  const store = w.bot.store;
  const out: string[] = [];
  for (const key of await store.keysWithPrefix('')) {
    try {
      out.push(key, JSON.stringify(await store.get(key, z.unknown())));
    } catch {
      out.push(key, JSON.stringify(await store.listRecent(key, z.unknown(), 10_000)));
    }
  }
  return out.join('\n');
}
