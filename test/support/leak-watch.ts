import { afterEach } from 'vitest';
import { worldCloseHooks, type World } from '../../src/sim/world.js';
import { findLeaks, outboundTraffic, secretsOf, storeContents } from './canary.js';

/**
 * Loaded before every test file (vitest `setupFiles`): every world a test starts is searched for
 * secrets when it closes, whatever the test was about (DESIGN §8, issue 6: the canary runs across the
 * whole suite's flows, not one test). Secrets hunted: the seeded CloudKnox secret keys and ServiceNow
 * passwords (and their Basic auth form), Slack tokens and signing secret, every CloudKnox access token
 * issued, every CloudKnox key secret ever created, and long secret values set in the bot's
 * environment. Places: Slack Web API arguments, response_url posts, channel histories (acks
 * included), modals, the bot's logs and its state store. Emailed codes (six digits) are hunted by the
 * rotation tests, where they cannot be confused with numbers in timestamps.
 */
const found: string[] = [];

function extraSecrets(w: World): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const k of w.sims.cloudknox.keys()) {
    const secret = w.sims.cloudknox.secretKeyOf(k.accessKey);
    if (secret) extra[`secret of key ••••${k.accessKey.slice(-4)}`] = secret;
  }
  for (const name of [
    'CLOUDKNOX_SECRET_KEY',
    'SERVICENOW_PASSWORD',
    'SLACK_SIGNING_SECRET',
    'SLACK_BOT_TOKEN',
  ]) {
    const v = w.rawEnv[name];
    if (v && v.length >= 12) extra[`${name} as configured`] = v;
  }
  return extra;
}

worldCloseHooks.push(async (w) => {
  const histories = [...w.slack.workspace.channels.keys()].map((c) =>
    w.slack.messages(c, { includeDeleted: true }),
  );
  const places = {
    ...outboundTraffic(w),
    'channel histories': JSON.stringify(histories),
    'state store': await storeContents(w).catch(() => ''),
  };
  found.push(...findLeaks({ ...secretsOf(w), ...extraSecrets(w) }, places));
});

afterEach(() => {
  const leaks = found.splice(0);
  if (leaks.length > 0) throw new Error(`secrets left the bot: ${[...new Set(leaks)].join('; ')}`);
});
