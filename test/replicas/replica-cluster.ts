import { createClient } from '@keyv/redis';
import { CloudKnoxClient } from '../../src/clients/cloudknox/index.js';
import { startSimulators, type Simulators } from '../../src/sim/simulators.js';
import {
  SLACK_SEED,
  startSlackEmulator,
  type SlackEmulator,
  type EmulatedView,
  type SlackMessage,
} from '../../src/sim/slack/index.js';
import { ACTION_IDS, INPUT_IDS } from '../../src/slack/ids.js';
import { createStore, type StateStore } from '../../src/store/index.js';
import { rotationRequestSchema } from '../../src/store/rotation-repository-store.js';
import { startMain, type BotProcess } from '../process/spawn-bot.js';
import { canarySeed, canarySlackSecrets, findLeaks, type CanaryWorldSecrets } from '../support/canary.js';
import { buttons, eventually, visibleText } from '../support/slack-text.js';

/**
 * Issue 5: several bot PROCESSES (src/main.ts, as `npm start` runs it) sharing one Redis, one Slack
 * emulator and one pair of simulators. Slack's load balancer is played by `via(replica, …)`, which
 * points the emulator's request URL at one replica for exactly one interaction.
 *
 * The bot has no namespace setting (it always uses the store's default), so each test file gives its
 * replicas a Redis logical database of its own (`redis://host:port/<db>`), flushed before and after.
 */
export const { admin, approver, approver2 } = SLACK_SEED.users;
export const { secops } = SLACK_SEED.channels;

/** The shared Redis of the run (CI sets REDIS_URL), pointed at logical database `db`. */
export function redisUrlForDb(db: number): string | undefined {
  const base = process.env.REDIS_URL;
  if (!base) return undefined;
  const url = new URL(base);
  url.pathname = `/${db}`;
  return url.toString();
}

function rawClient(url: string) {
  return createClient({ url });
}

export async function withRedis<T>(
  url: string,
  fn: (client: ReturnType<typeof rawClient>) => Promise<T>,
): Promise<T> {
  const client = rawClient(url);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

export function flushDb(url: string): Promise<void> {
  return withRedis(url, async (c) => {
    await c.flushDb();
  });
}

/** Every key of the database `url` names, with its whole content (strings, lists, hashes, sets, zsets). */
export async function dumpRedis(url: string): Promise<Map<string, string>> {
  return withRedis(url, async (c) => {
    const out = new Map<string, string>();
    for await (const keys of c.scanIterator({ COUNT: 1000 })) {
      for (const key of keys) {
        const type = await c.type(key);
        let value: unknown;
        if (type === 'string') value = await c.get(key);
        else if (type === 'list') value = await c.lRange(key, 0, -1);
        else if (type === 'hash') value = await c.hGetAll(key);
        else if (type === 'set') value = await c.sMembers(key);
        else if (type === 'zset') value = await c.zRange(key, 0, -1);
        else value = `<${type}>`;
        out.set(key, typeof value === 'string' ? value : JSON.stringify(value));
      }
    }
    return out;
  });
}

export interface ClusterOptions {
  redisUrl: string;
  /** Extra environment for every replica (e.g. ROTATION_LEASE_SECONDS). */
  env?: Record<string, string>;
  replicas?: number;
}

export class ReplicaCluster {
  readonly replicas: BotProcess[] = [];
  /** Every replica ever started, for the final log check and clean-up. */
  readonly everStarted: BotProcess[] = [];
  /** Ack bodies of every interaction, for the canary hunt. */
  readonly acks: string[] = [];
  readonly #killOnExit = () => this.everStarted.forEach((b) => b.child.kill('SIGKILL'));

  private constructor(
    readonly sims: Simulators,
    readonly slack: SlackEmulator,
    readonly slackSecrets: CanaryWorldSecrets,
    /** The replicas' store (same URL, default namespace), for the test's own checks. */
    readonly store: StateStore,
    readonly opts: ClusterOptions,
  ) {
    // Backstop: a worker that dies without afterAll must not leave bot processes behind.
    process.once('exit', this.#killOnExit);
  }

  static async start(opts: ClusterOptions): Promise<ReplicaCluster> {
    const sims = await startSimulators({ seed: canarySeed() });
    const secrets = canarySlackSecrets();
    const slack = await startSlackEmulator(secrets);
    const store = await createStore({ redisUrl: opts.redisUrl });
    const cluster = new ReplicaCluster(sims, slack, secrets, store, opts);
    try {
      await Promise.all(Array.from({ length: opts.replicas ?? 2 }, () => cluster.startReplica()));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  env(): Record<string, string> {
    return {
      ...this.sims.env,
      SLACK_SIGNING_SECRET: this.slackSecrets.signingSecret,
      SLACK_BOT_TOKEN: this.slackSecrets.botToken,
      SLACK_API_URL: this.slack.apiUrl,
      PORT: '0',
      CLOUDKNOX_ADMINS: admin,
      CLOUDKNOX_APPROVERS: SLACK_SEED.groups.approvers,
      REDIS_URL: this.opts.redisUrl,
      ...this.opts.env,
    };
  }

  async startReplica(): Promise<BotProcess> {
    const bot = await startMain(this.env());
    this.everStarted.push(bot);
    this.replicas.push(bot);
    return bot;
  }

  replica(i: number): BotProcess {
    const r = this.replicas[i];
    if (!r) throw new Error(`no replica #${i}`);
    return r;
  }

  url(bot: BotProcess, path: string): string {
    return `http://127.0.0.1:${bot.port}${path}`;
  }

  /**
   * Sends one interaction to `bot`: the driver reads the request URL synchronously when it starts
   * the POST, so two `via` calls in the same tick reach two replicas at the same moment.
   */
  via<T>(bot: BotProcess, interaction: () => Promise<T>): Promise<T> {
    this.slack.appUrl = `http://127.0.0.1:${bot.port}/slack/events`;
    return interaction();
  }

  /** SIGTERM every replica (a deploy) and waits for them to exit; returns their exit codes. */
  async stopAll(): Promise<Array<number | null>> {
    const stopping = this.replicas.splice(0);
    return Promise.all(stopping.map((b) => b.stop()));
  }

  /** `kill -9`: no goodbye, no lease release. */
  async kill9(bot: BotProcess): Promise<void> {
    this.replicas.splice(this.replicas.indexOf(bot), 1);
    bot.child.kill('SIGKILL');
    await bot.exited;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.everStarted.map(async (b) => {
        if (b.child.exitCode !== null || b.child.signalCode !== null) return;
        b.child.kill('SIGTERM');
        const exited = await Promise.race([b.exited.then(() => true), sleep(5000).then(() => false)]);
        if (!exited) {
          b.child.kill('SIGKILL');
          await b.exited;
        }
      }),
    );
    process.off('exit', this.#killOnExit);
    await Promise.all([this.sims.close(), this.slack.close(), this.store.close()]);
  }

  /** Everything every replica wrote to stdout/stderr. */
  logs(): string {
    return this.everStarted.map((b) => [...b.lines, ...b.stderr].join('\n')).join('\n');
  }

  /** Parsed JSON log lines of every replica. */
  logEvents(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const b of this.everStarted) {
      for (const line of b.lines) {
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* not JSON */
        }
      }
    }
    return out;
  }

  // --- Slack, as people see it -------------------------------------------------------------------

  /** The approval card of a request (found by its reason, unique per test). */
  card(reason: string): SlackMessage | undefined {
    return this.slack
      .messages(secops)
      .find(
        (m) =>
          m.fromBot &&
          !m.ephemeralTo &&
          visibleText(m).includes('Generate New Key') &&
          visibleText(m).includes(reason),
      );
  }

  /** Non-ephemeral bot messages that are results of a rotation (not the card). */
  resultPosts(): SlackMessage[] {
    return this.slack
      .messages(secops)
      .filter(
        (m) =>
          m.fromBot &&
          !m.ephemeralTo &&
          !visibleText(m).includes('Generate New Key') &&
          /Rotated|Rolled back|Not rotated/.test(visibleText(m)),
      );
  }

  /** The stored request, as every replica reads it. */
  request(id: string) {
    return this.store.get(`rotation:${id}`, rotationRequestSchema);
  }

  ephemeralsTo(user: string): SlackMessage[] {
    return this.slack.messages(secops, { visibleTo: user }).filter((m) => m.ephemeralTo === user);
  }

  /** `/cloudknox keys rotate <reason>` at `bot`; resolves with the card and the request id. */
  async requestRotation(
    bot: BotProcess,
    reason: string,
    waitMs = 10_000,
  ): Promise<{ card: SlackMessage; id: string }> {
    const ack = await this.via(bot, () =>
      this.slack.driver.slashCommand({ userId: admin, channelId: secops, text: `keys rotate ${reason}` }),
    );
    this.acks.push(ack.body);
    if (ack.timedOut || ack.status !== 200) throw new Error(`keys rotate not acked: ${JSON.stringify(ack)}`);
    const card = await eventually(() => this.card(reason), waitMs);
    const id = requestIdOf(card);
    // A person needs a moment to read the card; the replica records where the card is meanwhile
    // (attachCard). Clicking before that would find a request that cannot update its card yet.
    await eventuallyAsync(async () => (await this.request(id))?.cardTs === card.ts, waitMs);
    return { card, id };
  }

  async click(bot: BotProcess, user: string, card: SlackMessage, actionId: string) {
    const ack = await this.via(bot, () =>
      this.slack.driver.blockAction({ userId: user, channelId: secops, messageTs: card.ts, actionId }),
    );
    this.acks.push(ack.body);
    return ack;
  }

  /** The requester presses Enter verification code at `bot`; resolves with the code form. */
  async openCodeForm(bot: BotProcess, reason: string): Promise<EmulatedView> {
    const card = await eventually(() => {
      const c = this.card(reason);
      return c && buttons(c).includes(ACTION_IDS.enterCode) ? c : undefined;
    });
    const ack = await this.click(bot, admin, card, ACTION_IDS.enterCode);
    if (ack.timedOut) throw new Error('Enter verification code not acked in time');
    return eventually(() => {
      const v = this.slack.openView(admin);
      return v && JSON.stringify(v.payload).includes(INPUT_IDS.otp.block) ? v : undefined;
    }, 10_000);
  }

  /** Types the last emailed code into the form and presses Verify at `bot`. */
  async submitCode(bot: BotProcess, form: EmulatedView, code = this.sims.cloudknox.lastOtp()) {
    if (!code) throw new Error('no code was emailed');
    const res = await this.via(bot, () =>
      this.slack.driver.viewSubmission({
        userId: admin,
        viewId: form.id,
        values: { [INPUT_IDS.otp.block]: code },
      }),
    );
    this.acks.push(res.body);
    return res;
  }

  // --- upstreams -------------------------------------------------------------------------------

  activeKeys() {
    return this.sims.cloudknox.keys().filter((k) => k.status === 'ACTIVE');
  }

  /** Whether a key pair of the integration's service account authenticates against CloudKnox. */
  authenticates(accessKey: string, secretKey: string | undefined): Promise<boolean> {
    return CloudKnoxClient.verifyCredentials(
      this.sims.cloudknox.url,
      { serviceAccountId: this.sims.cloudknox.serviceAccountId, accessKey, secretKey: secretKey ?? '' },
      5000,
    ).then(
      () => true,
      () => false,
    );
  }

  /** Every secret of this world: seeded ones, every key's secret, every code emailed, every token. */
  secrets(): Record<string, string> {
    const s = this.sims.seed;
    const out: Record<string, string> = {
      'CloudKnox integration secret key': s.cloudknox.secretKey,
      'CloudKnox bot secret key': s.cloudknox.bot.secretKey,
      'ServiceNow bot password': s.servicenow.botPassword,
      'ServiceNow integration password': s.servicenow.integrationPassword,
      'Slack bot token': this.slackSecrets.botToken,
      'Slack signing secret': this.slackSecrets.signingSecret,
    };
    for (const k of this.sims.cloudknox.keys()) {
      const secret = this.sims.cloudknox.secretKeyOf(k.accessKey);
      if (secret) out[`secret key of ${k.accessKey}`] = secret;
    }
    this.sims.cloudknox.outbox.forEach((mail, i) => (out[`code (OTP) #${i + 1}`] = mail.otp));
    this.sims.cloudknox.issuedTokens().forEach((t, i) => (out[`CloudKnox access token #${i + 1}`] = t));
    return out;
  }
}

/** The canary hunt: secret → where, for every hit in `places`. */
export function hunt(secrets: Record<string, string>, places: Record<string, string>): string[] {
  const words = Object.fromEntries(Object.entries(secrets).filter(([, v]) => !/^\d+$/.test(v)));
  const leaks = findLeaks(words, places);
  // A six-digit code could occur by chance inside a millisecond timestamp: match it as a whole number.
  for (const [name, code] of Object.entries(secrets).filter(([, v]) => /^\d+$/.test(v))) {
    const alone = new RegExp(`(?<![0-9])${code}(?![0-9])`);
    for (const [where, value] of Object.entries(places)) {
      if (alone.test(value)) leaks.push(`${name} found in ${where}`);
    }
  }
  return leaks;
}

/** The canary hunt over every key of a Redis database. */
export async function secretsInRedis(
  url: string,
  secrets: Record<string, string>,
): Promise<{ keys: string[]; leaks: string[]; text: string }> {
  const dump = await dumpRedis(url);
  const text = [...dump].map(([k, v]) => `${k}\n${v}`).join('\n');
  const places = Object.fromEntries([...dump].map(([k, v]) => [`Redis key ${k}`, `${k}\n${v}`]));
  return { keys: [...dump.keys()], leaks: hunt(secrets, places), text };
}

export function requestIdOf(card: SlackMessage): string {
  const m = /rot_[0-9a-f]+/.exec(visibleText(card));
  if (!m) throw new Error('no request id on the card');
  return m[0];
}

/** Polls an async condition until it holds. */
export async function eventuallyAsync(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function status(url: string): Promise<number> {
  return fetch(url).then(
    (r) => r.status,
    () => 0,
  );
}

export { buttons, eventually, visibleText };
