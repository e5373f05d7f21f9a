import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudKnoxClient } from '../../src/clients/cloudknox/index.js';
import { OutboundPolicy } from '../../src/clients/outbound-policy.js';
import { ServiceNowClient } from '../../src/clients/servicenow/index.js';
import { UpstreamError } from '../../src/clients/upstream-error.js';
import { startCloudKnoxSim, type CloudKnoxSim } from '../../src/sim/cloudknox/index.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { SLACK_SEED } from '../../src/sim/slack/index.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { fakeResolver } from './fake-resolver.js';

/**
 * The outbound policy (issue 6) where it acts: in got's connect-time lookup, in the clients and in
 * the bot's start-up. Traffic goes only to servers on 127.0.0.0/8 in this process; a name mapped to
 * a private or metadata address is refused by the lookup before any socket connects, so nothing is
 * ever sent there. No nock here: nock would answer before got's lookup ever ran.
 */
const seed = defaultSeed();
const botCreds = {
  serviceAccountId: seed.cloudknox.bot.serviceAccountId,
  accessKey: seed.cloudknox.bot.accessKey,
  secretKey: seed.cloudknox.bot.secretKey,
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function caught(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error('expected a rejection');
}

/** A plain HTTP server on a loopback address that records what reached it. */
async function recordingServer(
  host: string,
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; hits: Array<{ method?: string; url?: string; authorization?: string }> }> {
  const hits: Array<{ method?: string; url?: string; authorization?: string }> = [];
  const server = http.createServer((req, res) => {
    hits.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, hits };
}

function policyWith(opts: ConstructorParameters<typeof OutboundPolicy>[0]): OutboundPolicy {
  const p = new OutboundPolicy(opts);
  cleanups.push(() => p.destroy());
  return p;
}

describe('the connect-time check, through got', () => {
  it('a ServiceNow host that resolves to a private address is not contacted, and not retried', async () => {
    const dns = fakeResolver({ 'dev1.service-now.com': ['10.0.0.5'] });
    const outbound = policyWith({ resolve: dns.resolve });
    const sn = new ServiceNowClient({
      instanceUrl: 'https://dev1.service-now.com',
      username: 'cloudknox.chatops',
      password: 'canary-password-1',
      outbound,
    });
    const err = await caught(sn.getUserByName('cloudknox.endpoint'));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    expect(err.message).toBe(
      'ServiceNow was not contacted (outbound policy): its host name resolves to a private-network address (allowed only with ALLOW_PRIVATE_NETWORKS=true)',
    );
    expect(dns.asked).toEqual(['dev1.service-now.com']); // a refusal is final: no retry
  });

  it('a CloudKnox host that resolves to the cloud metadata address is refused, even with private networks allowed', async () => {
    const dns = fakeResolver({ 'api.cloudknox.example': ['169.254.169.254'] });
    const outbound = policyWith({ resolve: dns.resolve, allowPrivateNetworks: true });
    const ck = new CloudKnoxClient({ baseUrl: 'https://api.cloudknox.example', ...botCreds, outbound });
    const err = await caught(ck.getIntegration());
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    expect(err.message).toContain('CloudKnox was not contacted (outbound policy)');
    expect(err.message).toContain('cloud metadata');
    expect(err.message).not.toContain('169.254.169.254');
    expect(dns.asked).toEqual(['api.cloudknox.example']);
  });

  it('a link-local IPv6 answer is refused too', async () => {
    const dns = fakeResolver({ 'api.cloudknox.example': ['fe80::1'] });
    const ck = new CloudKnoxClient({
      baseUrl: 'https://api.cloudknox.example',
      ...botCreds,
      outbound: policyWith({ resolve: dns.resolve, allowPrivateNetworks: true }),
    });
    expect((await caught(ck.getIntegration())).message).toContain('link-local');
  });

  describe('against the CloudKnox simulator on 127.0.0.1, reached by a name', () => {
    let sim: CloudKnoxSim;
    const start = async () => {
      sim = await startCloudKnoxSim({ servicenowUrl: 'http://127.0.0.1:9', seed });
      cleanups.push(() => sim.close());
      return `http://ck.localhost:${sim.port}`;
    };

    it('got resolves through the policy, and the call goes through when the address is allowed', async () => {
      const url = await start();
      const dns = fakeResolver({ 'ck.localhost': ['127.0.0.1'] });
      const outbound = policyWith({ resolve: dns.resolve, allowInsecureLoopback: true });
      const ck = new CloudKnoxClient({ baseUrl: url, ...botCreds, outbound });
      await expect(ck.getIntegration()).resolves.toMatchObject({
        serviceAccountId: seed.cloudknox.serviceAccountId,
      });
      expect(dns.asked.length).toBeGreaterThanOrEqual(1);
    });

    it('a name that re-resolves to an internal address is refused on the next connection (DNS rebinding)', async () => {
      const url = await start();
      let answer = ['127.0.0.1'];
      const dns = fakeResolver({ 'ck.localhost': () => answer });
      const outbound = policyWith({ resolve: dns.resolve, allowInsecureLoopback: true });
      const ck = new CloudKnoxClient({ baseUrl: url, ...botCreds, outbound });
      await ck.authenticate();
      answer = ['10.0.0.5'];
      // A kept-alive socket stays on the address that was checked; a new connection asks again.
      outbound.agents.http.destroy();
      const err = await caught(ck.getIntegration());
      expect(err.message).toContain('resolves to');
      expect(sim.requests.filter((r) => r.endpoint === 'getIntegration')).toHaveLength(0);
    });

    it('without the loopback allowance the same server is refused before anything is sent', async () => {
      const url = await start();
      const dns = fakeResolver({ 'ck.localhost': ['127.0.0.1'] });
      expect(
        () =>
          new CloudKnoxClient({
            baseUrl: url,
            ...botCreds,
            outbound: policyWith({ resolve: dns.resolve }),
          }),
      ).toThrow('CloudKnox base URL must use https://');
      expect(
        () =>
          new CloudKnoxClient({
            baseUrl: `http://127.0.0.1:${sim.port}`,
            ...botCreds,
            outbound: policyWith({}),
          }),
      ).toThrow(TypeError);
      expect(sim.requests).toHaveLength(0);
    });
  });

  it('the ServiceNow client refuses an instance off the allowlist when it is built', () => {
    expect(
      () =>
        new ServiceNowClient({
          instanceUrl: 'https://dev1.service-now.com.evil.example/login.do',
          username: 'u',
          password: 'p',
          outbound: policyWith({}),
        }),
    ).toThrow('The ServiceNow instance URL must be on a host that SERVICENOW_ALLOWED_HOSTS allows');
  });
});

describe('redirects to another host are not followed', () => {
  it('CloudKnox: a 302 to another host is an error and the other host sees nothing', async () => {
    const elsewhere = await recordingServer('127.0.0.2', (_req, res) => res.end('{}'));
    const origin = await recordingServer('127.0.0.1', (req, res) => {
      if (req.url?.startsWith('/api/v2/service-account/authenticate')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ accessToken: 'tok-canary', apiId: 'api-1' }));
      }
      res.writeHead(302, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const ck = new CloudKnoxClient({
      baseUrl: origin.url,
      ...botCreds,
      timeoutMs: 2000,
      outbound: policyWith({ allowInsecureLoopback: true }),
    });
    const err = await caught(ck.getIntegration());
    expect([err.code, err.status]).toEqual(['UPSTREAM_BAD_RESPONSE', 302]);
    expect(elsewhere.hits).toEqual([]);
    expect(origin.hits.map((h) => h.method)).toEqual(['POST', 'GET']); // the 302 was not retried
  });

  it('ServiceNow: a 301 to another host (credentials and all) is an error and the other host sees nothing', async () => {
    const elsewhere = await recordingServer('127.0.0.2', (_req, res) => res.end('{"result":[]}'));
    const origin = await recordingServer('127.0.0.1', (_req, res) => {
      res.writeHead(301, { location: `${elsewhere.url}/api/now/table/sys_user` });
      res.end();
    });
    const sn = new ServiceNowClient({
      instanceUrl: origin.url,
      username: 'cloudknox.chatops',
      password: 'canary-password-2',
      timeoutMs: 2000,
      outbound: policyWith({ allowInsecureLoopback: true }),
    });
    const err = await caught(sn.getUserByName('cloudknox.endpoint'));
    expect([err.code, err.status]).toEqual(['UPSTREAM_BAD_RESPONSE', 301]);
    expect(err.message).toContain('a redirect, which is not followed');
    expect(elsewhere.hits).toEqual([]);
    expect(origin.hits).toHaveLength(1);
  });
});

describe('the bot wires the policy (start-up and every connection)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('the simulators hand the bot the loopback allowance; without it the world does not start', async () => {
    await expect(startWorld({ env: { ALLOW_INSECURE_LOOPBACK: 'false' } })).rejects.toThrow(
      /CLOUDKNOX_API_URL must use https:\/\/.*SERVICENOW_INSTANCE_URL must use https:\/\//,
    );
  });

  it('start-up refuses a CloudKnox host name that resolves into a private network, naming the variable', async () => {
    const dns = fakeResolver({ 'ck.internal.example': ['10.1.2.3'] });
    const err = (await startWorld({
      env: { CLOUDKNOX_API_URL: 'https://ck.internal.example' },
      tuning: { resolve: dns.resolve },
    }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('StartupError');
    expect(err.message).toBe(
      'config error: CLOUDKNOX_API_URL has a host name that resolves to a private-network address (allowed only with ALLOW_PRIVATE_NETWORKS=true)',
    );
  });

  it('a name that passed at start-up but resolves to the metadata address later is refused when the bot connects', async () => {
    let n = 0;
    const dns = fakeResolver({ 'ck.localhost': () => (n++ === 0 ? ['127.0.0.1'] : ['169.254.169.254']) });
    // Port 9 (discard): nothing may connect anyway, the lookup refuses before any socket opens.
    world = await startWorld({
      env: { CLOUDKNOX_API_URL: 'http://ck.localhost:9' },
      tuning: { resolve: dns.resolve, upstreamTimeoutMs: 1000 },
    });
    const ack = await world.slack.driver.slashCommand({
      userId: SLACK_SEED.users.admin,
      channelId: SLACK_SEED.channels.secops,
      text: 'servicenow test',
    });
    expect(ack.status).toBe(200);
    const post = await world.slack.waitFor((call) => call.method === 'chat.postMessage', 8000);
    const text = JSON.stringify(post.args);
    expect(text).toContain('CloudKnox was not contacted (outbound policy)');
    expect(text).toContain('cloud metadata');
    expect(n).toBeGreaterThanOrEqual(2); // start-up, then at least one connection
  });
});
