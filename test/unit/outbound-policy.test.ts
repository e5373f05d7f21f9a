import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  hostMatches,
  hostPatternProblem,
  OutboundBlockedError,
  OutboundPolicy,
  type AddressKind,
  type OutboundPolicyOptions,
} from '../../src/clients/outbound-policy.js';
import { loadConfig } from '../../src/config/load-config.js';
import { fakeResolver } from '../clients/fake-resolver.js';

/**
 * Issue 6, "Outbound safety", as pure rules: which URLs, hosts and resolved addresses the bot may
 * send CloudKnox and ServiceNow credentials to. No packet leaves the process here: the DNS check is
 * driven through an injected resolver. (test/clients/outbound-policy-http.test.ts drives the same
 * policy through got, against loopback servers only.)
 */

function lookup(
  policy: OutboundPolicy,
  host: string,
  all = true,
): Promise<{ addresses: LookupAddress[] | string; family?: number | undefined }> {
  return new Promise((resolve, reject) => {
    policy.lookup(host, { all }, (err, addresses, family) =>
      err ? reject(err) : resolve({ addresses, family }),
    );
  });
}

const policy = (opts: OutboundPolicyOptions = {}) => new OutboundPolicy(opts);

describe('classifyAddress', () => {
  it.each<[string, AddressKind]>([
    ['8.8.8.8', 'public'],
    ['149.96.12.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'reserved'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:c0a8:0101::1', 'private'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['2606:4700::1111', 'public'],
    ['[2606:4700::1111]', 'public'],
    ['not-an-ip', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('https required', () => {
  const p = policy();
  it.each([
    ['cloudknox', 'https://app.cloudknox.io'],
    ['servicenow', 'https://dev12345.service-now.com'],
  ] as const)('%s over https passes', (service, url) => {
    expect(p.urlProblem(service, url)).toBeUndefined();
  });

  it.each([
    ['cloudknox', 'http://app.cloudknox.io', 'scheme'],
    ['servicenow', 'http://dev12345.service-now.com', 'scheme'],
    ['cloudknox', 'ftp://app.cloudknox.io', 'scheme'],
    ['cloudknox', 'https://user:pw@app.cloudknox.io', 'credentials'],
    ['cloudknox', 'not a url', 'url'],
  ] as const)('%s %s is refused (%s)', (service, url, reason) => {
    expect(p.urlProblem(service, url)?.reason).toBe(reason);
  });

  it('a problem names what is wrong and never quotes the URL', () => {
    const problem = p.urlProblem('cloudknox', 'http://canary-host.example/path?token=canary');
    expect(problem?.text).toMatch(/must use https:\/\//);
    expect(problem?.text).not.toContain('canary');
  });
});

describe('loopback: only with the development allowance', () => {
  const loopbacks = [
    'http://127.0.0.1:4010',
    'http://127.8.9.10:4010',
    'http://[::1]:4010',
    'http://localhost:4010',
    'https://127.0.0.1:4443',
    'https://sim.localhost',
  ];
  it.each(loopbacks)('%s is refused by default', (url) => {
    const problem = policy().urlProblem('cloudknox', url);
    expect(problem?.reason).toMatch(/scheme|address/);
  });
  it.each(loopbacks)('%s passes with allowInsecureLoopback, for CloudKnox and ServiceNow', (url) => {
    const p = policy({ allowInsecureLoopback: true });
    expect(p.urlProblem('cloudknox', url)).toBeUndefined();
    expect(p.urlProblem('servicenow', url)).toBeUndefined();
  });
  it('the allowance does not let plain http reach anything but loopback', () => {
    const p = policy({ allowInsecureLoopback: true, allowPrivateNetworks: true });
    expect(p.urlProblem('cloudknox', 'http://10.0.0.5')?.reason).toBe('scheme');
    expect(p.urlProblem('cloudknox', 'http://app.cloudknox.io')?.reason).toBe('scheme');
    expect(p.urlProblem('servicenow', 'http://127.0.0.1.nip.io')?.reason).toBe('scheme');
  });
});

describe('ServiceNow host allowlist', () => {
  const p = policy();
  it.each([
    'https://dev12345.service-now.com',
    'https://DEV12345.Service-Now.COM',
    'https://acme.servicenowservices.com',
    'https://dev12345.service-now.com.', // the same DNS name, fully qualified
    'https://dev12345.service-now.com:443/api/now/table/sys_user',
  ])('%s is allowed by default', (url) => {
    expect(p.urlProblem('servicenow', url)).toBeUndefined();
  });

  it.each([
    ['the apex itself', 'https://service-now.com'],
    ['a look-alike suffix', 'https://service-now.com.evil.example'],
    ['a look-alike suffix under an instance', 'https://dev1.service-now.com.evil.example'],
    ['a look-alike without the dot', 'https://evilservice-now.com'],
    ['a look-alike with a dash', 'https://evil-service-now.com'],
    ['two labels under the wildcard', 'https://a.b.service-now.com'],
    ['an instance name hidden in the user info', 'https://dev1.service-now.com@evil.example'],
    ['a backslash trick', 'https://evil.example\\@dev1.service-now.com'],
    ['a Unicode look-alike (non-ASCII hyphen)', 'https://dev1.service\u2010now.com'],
    ['another TLD', 'https://dev1.service-now.co'],
    ['a public IP address', 'https://149.96.12.1'],
  ])('%s is refused: %s', (_what, url) => {
    const problem = p.urlProblem('servicenow', url);
    expect(problem?.reason).toMatch(/host|credentials/);
  });

  it('the allowlist does not apply to CloudKnox', () => {
    expect(p.urlProblem('cloudknox', 'https://api.cloudknox.example')).toBeUndefined();
  });

  it('a configured list replaces the default: pin one instance, or add an on-premises host', () => {
    const pinned = policy({ servicenowAllowedHosts: ['acme.service-now.com', '*.snow.corp.example'] });
    expect(pinned.urlProblem('servicenow', 'https://acme.service-now.com')).toBeUndefined();
    expect(pinned.urlProblem('servicenow', 'https://itsm.snow.corp.example')).toBeUndefined();
    expect(pinned.urlProblem('servicenow', 'https://other.service-now.com')?.reason).toBe('host');
    expect(pinned.urlProblem('servicenow', 'https://acme.service-now.com.evil.example')?.reason).toBe('host');
  });

  it('loopback passes the allowlist only with the development allowance', () => {
    expect(policy().urlProblem('servicenow', 'https://127.0.0.1:4443')?.reason).toBe('host');
    expect(
      policy({ allowInsecureLoopback: true }).urlProblem('servicenow', 'http://127.0.0.1:4010'),
    ).toBeUndefined();
  });

  it.each([
    ['dev1.service-now.com', 'dev1.service-now.com', true],
    ['x.service-now.com', '*.service-now.com', true],
    ['service-now.com', '*.service-now.com', false],
    ['a.b.service-now.com', '*.service-now.com', false],
    ['-x.service-now.com', '*.service-now.com', false],
    ['xservice-now.com', '*.service-now.com', false],
    ['service-now.com.evil.example', '*.service-now.com', false],
  ])('hostMatches(%s, %s) is %s', (host, pattern, expected) => {
    expect(hostMatches(host, pattern)).toBe(expected);
  });

  it.each([
    ['*.com', false],
    ['*', false],
    ['*.*.service-now.com', false],
    ['dev*.service-now.com', false],
    ['https://dev1.service-now.com', false],
    ['dev1.service-now.com:443', false],
    ['', false],
    ['*.service-now.com', true],
    ['acme.service-now.com', true],
    ['10.20.30.40', true],
  ])('the pattern %j is %s', (pattern, ok) => {
    expect(hostPatternProblem(pattern) === undefined).toBe(ok);
  });
});

describe('IP literals (never looked up, so checked on the URL)', () => {
  it.each([
    ['https://10.0.0.5', 'private'],
    ['https://192.168.1.20:8443', 'private'],
    ['https://[fd00::5]', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://[fe80::1]', 'link-local'],
    ['https://0.0.0.0', 'reserved'],
    // WHATWG URL normalises these spellings to 169.254.169.254, and so does the check.
    ['https://2852039166', 'metadata'],
    ['https://0xa9.0xfe.0xa9.0xfe', 'metadata'],
    ['https://[::ffff:169.254.169.254]', 'metadata'],
  ])('%s is refused (%s)', (url) => {
    const problem = policy().urlProblem('cloudknox', url);
    expect(problem?.reason).toBe('address');
    expect(problem?.text).not.toContain('169.254.169.254');
  });

  it('private networks pass with allowPrivateNetworks; link-local and metadata never do', () => {
    const p = policy({ allowPrivateNetworks: true });
    expect(p.urlProblem('cloudknox', 'https://10.0.0.5')).toBeUndefined();
    expect(p.urlProblem('cloudknox', 'https://[fd00::5]')).toBeUndefined();
    expect(p.urlProblem('cloudknox', 'https://169.254.169.254')?.reason).toBe('address');
    expect(p.urlProblem('cloudknox', 'https://[fe80::1]')?.reason).toBe('address');
    const everything = policy({ allowPrivateNetworks: true, allowInsecureLoopback: true });
    expect(everything.urlProblem('cloudknox', 'https://169.254.169.254')?.reason).toBe('address');
  });
});

describe('resolved addresses, checked at connect time (injected resolver)', () => {
  it('a host name resolving to a public address passes, in both lookup forms', async () => {
    const dns = fakeResolver({ 'app.cloudknox.io': ['149.96.12.1', '2606:4700::1111'] });
    const p = policy({ resolve: dns.resolve });
    const all = await lookup(p, 'app.cloudknox.io', true);
    expect(all.addresses).toEqual([
      { address: '149.96.12.1', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
    const one = await lookup(p, 'app.cloudknox.io', false);
    expect([one.addresses, one.family]).toEqual(['149.96.12.1', 4]);
  });

  it.each([
    ['a private address', ['10.0.0.5'], 'private'],
    ['172.16/12', ['172.20.1.1'], 'private'],
    ['192.168/16', ['192.168.0.10'], 'private'],
    ['a unique-local IPv6 address', ['fd00::10'], 'private'],
    ['the cloud metadata address', ['169.254.169.254'], 'metadata'],
    ['a link-local address', ['169.254.10.10'], 'link-local'],
    ['a link-local IPv6 address', ['fe80::1'], 'link-local'],
    ['loopback', ['127.0.0.1'], 'loopback'],
    ['an IPv4-mapped private address', ['::ffff:10.0.0.5'], 'private'],
    ['one private address among public ones', ['149.96.12.1', '10.0.0.5'], 'private'],
  ])('a name resolving to %s is refused', async (_what, addresses, kind) => {
    const p = policy({ resolve: fakeResolver({ 'dev1.service-now.com': addresses }).resolve });
    const err = await lookup(p, 'dev1.service-now.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundBlockedError);
    expect((err as OutboundBlockedError).kind).toBe(kind);
    expect((err as OutboundBlockedError).code).toBe('ERR_OUTBOUND_BLOCKED');
    for (const a of addresses) expect((err as Error).message).not.toContain(a);
    expect((err as Error).message).not.toContain('dev1');
  });

  it('allowPrivateNetworks lets private addresses through, never link-local or metadata ones', async () => {
    const dns = fakeResolver({
      'ck.corp.example': ['10.0.0.5', 'fd00::10'],
      'meta.corp.example': ['169.254.169.254'],
      'll.corp.example': ['fe80::1'],
    });
    const p = policy({ allowPrivateNetworks: true, resolve: dns.resolve });
    await expect(lookup(p, 'ck.corp.example')).resolves.toBeDefined();
    await expect(lookup(p, 'meta.corp.example')).rejects.toBeInstanceOf(OutboundBlockedError);
    await expect(lookup(p, 'll.corp.example')).rejects.toBeInstanceOf(OutboundBlockedError);
  });

  it('allowInsecureLoopback lets loopback through; "localhost" must really be loopback', async () => {
    const dns = fakeResolver({ localhost: ['127.0.0.1', '::1'], 'evil.localhost': ['149.96.12.1'] });
    const p = policy({ allowInsecureLoopback: true, resolve: dns.resolve });
    await expect(lookup(p, 'localhost')).resolves.toBeDefined();
    await expect(lookup(p, 'evil.localhost')).rejects.toBeInstanceOf(OutboundBlockedError);
  });

  it('every connection asks again, so a name that re-resolves inside the network is refused (DNS rebinding)', async () => {
    let n = 0;
    const dns = fakeResolver({ 'ck.rebind.example': () => (n++ === 0 ? ['149.96.12.1'] : ['10.0.0.5']) });
    const p = policy({ resolve: dns.resolve });
    await expect(lookup(p, 'ck.rebind.example')).resolves.toBeDefined();
    await expect(lookup(p, 'ck.rebind.example')).rejects.toBeInstanceOf(OutboundBlockedError);
    expect(dns.asked).toEqual(['ck.rebind.example', 'ck.rebind.example']);
  });

  it('resolver errors pass through unchanged (not mistaken for a refusal)', async () => {
    const p = policy({ resolve: fakeResolver({}).resolve });
    const err = (await lookup(p, 'nowhere.example').catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe('ENOTFOUND');
    expect(err).not.toBeInstanceOf(OutboundBlockedError);
  });

  it('resolvedProblem (start-up) names a refused name, and ignores a resolver that fails', async () => {
    const dns = fakeResolver({ 'ck.internal.example': ['10.1.2.3'] });
    const p = policy({ resolve: dns.resolve });
    expect((await p.resolvedProblem('https://ck.internal.example'))?.text).toMatch(
      /resolves to a private-network address/,
    );
    expect(await p.resolvedProblem('https://unknown.example')).toBeUndefined();
    expect(await p.resolvedProblem('https://149.96.12.1')).toBeUndefined();
  });
});

describe('configuration (README: SERVICENOW_ALLOWED_HOSTS, ALLOW_INSECURE_LOOPBACK, ALLOW_PRIVATE_NETWORKS)', () => {
  const valid = {
    SLACK_SIGNING_SECRET: 'sig-canary-0001',
    SLACK_BOT_TOKEN: 'xoxb-canary-0002',
    CLOUDKNOX_API_URL: 'https://app.cloudknox.io',
    CLOUDKNOX_SERVICE_ACCOUNT_ID: 'sa-1',
    CLOUDKNOX_ACCESS_KEY: 'AKCK7Q2M9XW4PL8ZBHCN',
    CLOUDKNOX_SECRET_KEY: 'secret-canary-0003',
    SERVICENOW_INSTANCE_URL: 'https://dev12345.service-now.com',
    SERVICENOW_USERNAME: 'cloudknox.chatops',
    SERVICENOW_PASSWORD: 'password-canary-0004',
    CLOUDKNOX_ADMINS: 'U0ADMIN001',
    CLOUDKNOX_APPROVERS: 'U0APPROV01',
  };
  const problems = (env: Record<string, string>) => {
    const r = loadConfig({ ...valid, ...env });
    return r.ok ? [] : r.problems;
  };

  it('defaults: the two ServiceNow domains, no loopback, no private networks', () => {
    const r = loadConfig(valid);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.env.SERVICENOW_ALLOWED_HOSTS).toEqual(['*.service-now.com', '*.servicenowservices.com']);
    expect(r.env.ALLOW_INSECURE_LOOPBACK).toBe(false);
    expect(r.env.ALLOW_PRIVATE_NETWORKS).toBe(false);
  });

  it('parses the flags and the list', () => {
    const r = loadConfig({
      ...valid,
      ALLOW_INSECURE_LOOPBACK: 'TRUE',
      ALLOW_PRIVATE_NETWORKS: 'false',
      SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com',
      SERVICENOW_ALLOWED_HOSTS: ' acme.service-now.com , *.SNOW.corp.example ',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.env.ALLOW_INSECURE_LOOPBACK).toBe(true);
    expect(r.env.ALLOW_PRIVATE_NETWORKS).toBe(false);
    expect(r.env.SERVICENOW_ALLOWED_HOSTS).toEqual(['acme.service-now.com', '*.snow.corp.example']);
  });

  it.each([
    [{ ALLOW_INSECURE_LOOPBACK: 'yes-canary' }, 'ALLOW_INSECURE_LOOPBACK must be true or false'],
    [{ ALLOW_PRIVATE_NETWORKS: '1' }, 'ALLOW_PRIVATE_NETWORKS must be true or false'],
    [{ SERVICENOW_ALLOWED_HOSTS: '*.com' }, 'SERVICENOW_ALLOWED_HOSTS must be comma-separated host names'],
    [
      { CLOUDKNOX_API_URL: 'http://canary.cloudknox.example' },
      'CLOUDKNOX_API_URL must use https:// (plain http is allowed only for a loopback host with ALLOW_INSECURE_LOOPBACK=true)',
    ],
    [
      { SERVICENOW_INSTANCE_URL: 'https://canary.service-now.com.evil.example' },
      'SERVICENOW_INSTANCE_URL must be on a host that SERVICENOW_ALLOWED_HOSTS allows',
    ],
    [{ SERVICENOW_INSTANCE_URL: 'https://canary.example.com' }, 'SERVICENOW_INSTANCE_URL must be on a host'],
    [
      { SERVICENOW_ALLOWED_HOSTS: 'acme.service-now.com' },
      'SERVICENOW_INSTANCE_URL must be on a host that SERVICENOW_ALLOWED_HOSTS allows',
    ],
    [
      { CLOUDKNOX_API_URL: 'http://127.0.0.1:4010' },
      'CLOUDKNOX_API_URL must use https:// (plain http is allowed only for a loopback host',
    ],
    [
      { CLOUDKNOX_API_URL: 'https://localhost:4443' },
      'CLOUDKNOX_API_URL must not point at a loopback address',
    ],
    [{ SERVICENOW_INSTANCE_URL: 'http://127.0.0.1:4020' }, 'SERVICENOW_INSTANCE_URL must use https://'],
    [{ CLOUDKNOX_API_URL: 'https://10.20.30.40' }, 'CLOUDKNOX_API_URL must not point at a private-network'],
    [
      { CLOUDKNOX_API_URL: 'https://169.254.169.254' },
      'CLOUDKNOX_API_URL must not point at a cloud metadata',
    ],
    [
      { CLOUDKNOX_API_URL: 'https://169.254.169.254', ALLOW_PRIVATE_NETWORKS: 'true' },
      'CLOUDKNOX_API_URL must not point at a cloud metadata',
    ],
    [
      { CLOUDKNOX_API_URL: 'https://canary:canary-pw@app.cloudknox.io' },
      'CLOUDKNOX_API_URL must not contain a username or password',
    ],
  ])('%j → "%s", never the value', (env, expected) => {
    const found = problems(env);
    expect(found).toEqual([expect.stringContaining(expected)]);
    expect(found.join('\n')).not.toMatch(/canary|10\.20|169\.254\.169|127\.0\.0/);
  });

  it('the development allowance lets the simulators in (what `npm run simulators` prints)', () => {
    expect(
      problems({
        CLOUDKNOX_API_URL: 'http://127.0.0.1:4010',
        SERVICENOW_INSTANCE_URL: 'http://127.0.0.1:4020',
        ALLOW_INSECURE_LOOPBACK: 'true',
      }),
    ).toEqual([]);
  });

  it('private networks and an on-premises ServiceNow host, when allowed', () => {
    expect(
      problems({
        CLOUDKNOX_API_URL: 'https://10.20.30.40',
        SERVICENOW_INSTANCE_URL: 'https://10.20.30.41',
        SERVICENOW_ALLOWED_HOSTS: '10.20.30.41',
        ALLOW_PRIVATE_NETWORKS: 'true',
      }),
    ).toEqual([]);
  });

  it('a pasted http ServiceNow URL is upgraded to https, as the instance itself would', () => {
    expect(problems({ SERVICENOW_INSTANCE_URL: 'http://dev12345.service-now.com/login.do' })).toEqual([]);
  });
});
