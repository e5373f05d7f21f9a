import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { UpstreamService } from './upstream-error.js';

/**
 * Where the bot may send CloudKnox and ServiceNow credentials (issue 6, "Outbound safety").
 *
 * - https only; plain http only to a loopback host (127.0.0.0/8, ::1, localhost) and only with
 *   `allowInsecureLoopback` (the local simulators).
 * - ServiceNow hosts must match an allowlist (`*.service-now.com`, `*.servicenowservices.com` by
 *   default). A `*.` wildcard matches exactly one label, as in a TLS certificate.
 * - Every address a host name resolves to is checked when the socket connects (the `lookup` below,
 *   given to got as `dnsLookup`), so a name that re-resolves to an internal address later (DNS
 *   rebinding) is refused then too. IP literals, which never go through a lookup, are checked on the URL.
 *   Public addresses pass; loopback only with `allowInsecureLoopback`; private networks (RFC 1918,
 *   100.64.0.0/10, fc00::/7) only with `allowPrivateNetworks`; link-local (169.254.0.0/16, fe80::/10),
 *   cloud metadata addresses, unspecified, multicast and reserved ranges never.
 *
 * Nothing here echoes a URL or an address in its messages: they name what is wrong, not the value.
 */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'reserved';

export const DEFAULT_SERVICENOW_ALLOWED_HOSTS: readonly string[] = [
  '*.service-now.com',
  '*.servicenowservices.com',
];

export type ResolveFunction = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

export interface OutboundPolicyOptions {
  /** Lets the bot use loopback hosts, over http or https (development against the simulators). */
  allowInsecureLoopback?: boolean;
  /** Lets the bot connect to private-network addresses (RFC 1918, 100.64.0.0/10, fc00::/7). */
  allowPrivateNetworks?: boolean;
  /** Host patterns a ServiceNow instance URL must match: `acme.service-now.com` or `*.service-now.com`. */
  servicenowAllowedHosts?: readonly string[];
  /** The resolver behind the connect-time check; tests inject one. Default: `dns.lookup`. */
  resolve?: ResolveFunction;
}

export type OutboundProblemReason = 'url' | 'scheme' | 'credentials' | 'host' | 'address';

export interface OutboundProblem {
  reason: OutboundProblemReason;
  /** Reads after the variable's name: "CLOUDKNOX_API_URL must use https://…". Never holds the value. */
  text: string;
}

/** The code of the error the connect-time lookup fails with; the transport recognises it. */
export const OUTBOUND_BLOCKED = 'ERR_OUTBOUND_BLOCKED';

export class OutboundBlockedError extends Error {
  override readonly name = 'OutboundBlockedError';
  readonly code = OUTBOUND_BLOCKED;
  readonly kind: AddressKind;
  constructor(kind: AddressKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

const KIND_TEXT: Record<AddressKind, string> = {
  // Only said of "localhost" resolving elsewhere: a public address is otherwise always allowed.
  public: 'an address that is not loopback',
  loopback: 'a loopback address (allowed only with ALLOW_INSECURE_LOOPBACK=true)',
  private: 'a private-network address (allowed only with ALLOW_PRIVATE_NETWORKS=true)',
  'link-local': 'a link-local address (169.254.0.0/16, fe80::/10), which is never allowed',
  metadata: 'a cloud metadata service address, which is never allowed',
  reserved: 'an unspecified, multicast or reserved address, which is never allowed',
};

export class OutboundPolicy {
  readonly allowInsecureLoopback: boolean;
  readonly allowPrivateNetworks: boolean;
  readonly servicenowAllowedHosts: readonly string[];
  /** got's `dnsLookup`: resolves, then refuses unless every address is allowed. */
  readonly lookup: LookupFunction;
  /**
   * Agents used only by requests under this policy, so every pooled socket was opened through
   * `lookup` (a shared global agent could hand over a socket some other code opened).
   */
  readonly agents: { http: http.Agent; https: https.Agent };
  readonly #resolve: ResolveFunction;

  constructor(opts: OutboundPolicyOptions = {}) {
    this.allowInsecureLoopback = opts.allowInsecureLoopback ?? false;
    this.allowPrivateNetworks = opts.allowPrivateNetworks ?? false;
    const patterns = opts.servicenowAllowedHosts ?? DEFAULT_SERVICENOW_ALLOWED_HOSTS;
    for (const p of patterns) {
      const problem = hostPatternProblem(p);
      if (problem) throw new TypeError(`ServiceNow allowed-host pattern ${problem}`);
    }
    this.servicenowAllowedHosts = patterns.map((p) => p.trim().toLowerCase());
    this.#resolve = opts.resolve ?? (dns.lookup as unknown as ResolveFunction);
    this.lookup = (hostname, options, callback) => this.#lookup(hostname, options, callback);
    const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5_000 };
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  }

  /** Whether an address of this kind may be connected to. */
  allows(kind: AddressKind): boolean {
    if (kind === 'public') return true;
    if (kind === 'loopback') return this.allowInsecureLoopback;
    if (kind === 'private') return this.allowPrivateNetworks;
    return false;
  }

  /**
   * What is wrong with sending this service's credentials to `url`, or undefined when nothing is
   * (as far as the URL shows: names are checked again, per address, when the socket connects).
   */
  urlProblem(service: UpstreamService, url: string | URL): OutboundProblem | undefined {
    let u: URL;
    try {
      u = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return { reason: 'url', text: 'is not a valid URL' };
    }
    const host = bareHost(u.hostname);
    const loopbackHost = isLoopbackHost(host);
    if (u.protocol !== 'https:') {
      if (u.protocol !== 'http:') return { reason: 'scheme', text: 'must be an https:// URL' };
      if (!(loopbackHost && this.allowInsecureLoopback)) {
        return {
          reason: 'scheme',
          text: 'must use https:// (plain http is allowed only for a loopback host with ALLOW_INSECURE_LOOPBACK=true)',
        };
      }
    }
    if (u.username !== '' || u.password !== '') {
      return { reason: 'credentials', text: 'must not contain a username or password' };
    }
    if (service === 'servicenow' && !(loopbackHost && this.allowInsecureLoopback)) {
      if (!this.servicenowAllowedHosts.some((p) => hostMatches(host, p))) {
        return {
          reason: 'host',
          text: 'must be on a host that SERVICENOW_ALLOWED_HOSTS allows (by default *.service-now.com or *.servicenowservices.com)',
        };
      }
    }
    const kind = isIP(host) !== 0 ? classifyAddress(host) : isLocalhostName(host) ? 'loopback' : undefined;
    if (kind !== undefined && !this.allows(kind)) {
      return {
        reason: 'address',
        text: `must not point at ${KIND_TEXT[kind]}`,
      };
    }
    return undefined;
  }

  #lookup(
    hostname: string,
    options: dns.LookupOptions,
    callback: (
      err: NodeJS.ErrnoException | null,
      address: string | dns.LookupAddress[],
      family?: number,
    ) => void,
  ): void {
    const { all, ...rest } = options;
    this.#resolve(hostname, { ...rest, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      if (!Array.isArray(addresses) || addresses.length === 0) {
        const none: NodeJS.ErrnoException = new Error('the host name resolved to no address');
        none.code = 'ENOTFOUND';
        return callback(none, '');
      }
      // Every address, not just the first: the socket may try any of them (happy eyeballs).
      const localhost = isLocalhostName(bareHost(hostname));
      for (const a of addresses) {
        const kind = classifyAddress(a.address);
        // "localhost" stands for this machine: a resolver that says otherwise is not believed.
        const refused = !this.allows(kind) || (localhost && kind !== 'loopback');
        if (refused) {
          return callback(new OutboundBlockedError(kind, `its host name resolves to ${KIND_TEXT[kind]}`), '');
        }
      }
      if (all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  }

  /**
   * Resolves the URL's host name now, through the connect-time check, and says whether it is refused
   * (start-up uses it to name the variable). A resolver that fails or is slow is not a problem here:
   * the same check runs again on every connection.
   */
  async resolvedProblem(url: string, timeoutMs = 2_000): Promise<OutboundProblem | undefined> {
    let host: string;
    try {
      host = bareHost(new URL(url).hostname);
    } catch {
      return { reason: 'url', text: 'is not a valid URL' };
    }
    if (isIP(host) !== 0) return undefined; // literals: urlProblem's business
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      timer.unref();
      this.#lookup(host, { all: true }, (err) => {
        clearTimeout(timer);
        resolve(
          err instanceof OutboundBlockedError
            ? { reason: 'address', text: `has a host name that resolves to ${KIND_TEXT[err.kind]}` }
            : undefined,
        );
      });
    });
  }

  /** Closes pooled keep-alive sockets (tests and shutdown). */
  destroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** `[::1]` → `::1`; a trailing dot (`host.example.`) is the same DNS name, so it is dropped too. */
function bareHost(hostname: string): string {
  const h = hostname.toLowerCase();
  const unbracketed = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname);
  if (isLocalhostName(host)) return true;
  return isIP(host) !== 0 && classifyAddress(host) === 'loopback';
}

/** Whether `host` (lower case, no port) matches `pattern` (`exact.host` or `*.one-label-wildcard`). */
export function hostMatches(hostname: string, pattern: string): boolean {
  const host = bareHost(hostname);
  const p = pattern.trim().toLowerCase();
  if (!p.startsWith('*.')) return host === bareHost(p);
  const suffix = p.slice(1); // ".service-now.com"
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, -suffix.length);
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label);
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})+$`);

/**
 * What is wrong with an allowlist entry, or undefined. Entries are host names (`acme.service-now.com`),
 * IP addresses, or `*.` and a name of at least two labels (`*.com` would allow the whole TLD).
 */
export function hostPatternProblem(pattern: string): string | undefined {
  const p = pattern.trim().toLowerCase();
  if (p === '') return 'is empty';
  if (isIP(bareHost(p)) !== 0) return undefined;
  if (p.startsWith('*.')) {
    return HOST_NAME.test(p.slice(2))
      ? undefined
      : 'must be "*." and a domain of at least two labels, e.g. *.service-now.com';
  }
  if (p.includes('*')) return 'may use * only as a whole first label, e.g. *.service-now.com';
  return HOST_NAME.test(p)
    ? undefined
    : 'must be a host name such as acme.service-now.com (no scheme, port or path)';
}

// ---------------------------------------------------------------------------------------------
// Address classification
// ---------------------------------------------------------------------------------------------

type V4Range = readonly [base: string, prefix: number, kind: AddressKind];

/** Checked in order; the first match wins, so specific entries come before their enclosing range. */
const V4_RANGES: readonly V4Range[] = [
  ['169.254.169.254', 32, 'metadata'], // AWS, GCP, Azure, OpenStack instance metadata
  ['169.254.170.2', 32, 'metadata'], // AWS ECS task metadata
  ['100.100.100.200', 32, 'metadata'], // Alibaba Cloud metadata
  ['168.63.129.16', 32, 'metadata'], // Azure WireServer (a public address reachable only inside Azure)
  ['0.0.0.0', 8, 'reserved'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT, shared address space
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'reserved'], // multicast
  ['240.0.0.0', 4, 'reserved'], // reserved, broadcast
];

function v4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function classifyV4(n: number): AddressKind {
  for (const [base, prefix, kind] of V4_RANGES) {
    const b = v4ToInt(base)!;
    const size = 2 ** (32 - prefix);
    if (n >= b && n < b + size) return kind;
  }
  return 'public';
}

/** Eight 16-bit groups, or undefined. Accepts `::`, an embedded IPv4 tail and a zone (`%eth0`). */
function parseV6(ip: string): number[] | undefined {
  let s = ip.split('%')[0] ?? '';
  const tailStart = s.lastIndexOf(':') + 1;
  const tail = s.slice(tailStart);
  if (tail.includes('.')) {
    const v4 = v4ToInt(tail);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, tailStart)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    out.push(parseInt(g, 16));
  }
  return out;
}

function classifyV6(g: number[]): AddressKind {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const v4At = (hi: number, lo: number) => classifyV4(hi * 0x10000 + lo);
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'reserved'; // ::
  if (zeroTo(7) && g7 === 1) return 'loopback'; // ::1
  if (zeroTo(5) && g5 === 0xffff) return v4At(g6, g7); // ::ffff:a.b.c.d, IPv4-mapped
  if (zeroTo(6)) return 'reserved'; // ::a.b.c.d, deprecated IPv4-compatible
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4At(g6, g7); // NAT64
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private'; // local-use NAT64
  if (g0 === 0x2002) return v4At(g1, g2); // 6to4 carries an IPv4 address
  if (g.join(':') === [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254].join(':')) return 'metadata'; // AWS, fd00:ec2::254
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // fec0::/10, deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // 100::/64 discard
  if (g0 === 0x2001 && g1 < 0x0200) return 'reserved'; // 2001::/23 IETF protocol (Teredo, ORCHID, …)
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if ((g0 & 0xfff0) === 0x3ff0) return 'reserved'; // 3fff::/20 documentation
  if ((g0 & 0xe000) === 0x2000) return 'public'; // 2000::/3 global unicast
  return 'reserved';
}

/** The kind of an IP address; anything that does not parse counts as reserved (refused). */
export function classifyAddress(address: string): AddressKind {
  const ip = bareHost(address);
  const family = isIP(ip.split('%')[0] ?? '');
  if (family === 4) {
    const n = v4ToInt(ip);
    return n === undefined ? 'reserved' : classifyV4(n);
  }
  if (family === 6) {
    const groups = parseV6(ip);
    return groups ? classifyV6(groups) : 'reserved';
  }
  return 'reserved';
}
