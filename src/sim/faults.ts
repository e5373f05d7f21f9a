import type { ServerResponse } from 'node:http';
import type { SimRequest } from './http-server.js';

/**
 * Fault switches every simulator shares (DESIGN §7). Tests and benchmarks flip them at run time:
 * `sim.faults.latencyMs = 5000`. A `match` narrows a fault to some paths; `times` makes it one-shot.
 */
export interface FaultRule {
  /** Only requests whose path contains this string (all requests when unset). */
  match?: string;
  /** Only requests with this HTTP method, e.g. 'PATCH' (all methods when unset). */
  method?: string;
  /** How many requests it applies to before switching itself off (forever when unset). */
  times?: number;
  /**
   * Applies to one matching request in every `every`, starting with the first: `every: 2` fails
   * every other call (issue 6, a neighbour that fails intermittently). `times` counts only those.
   */
  every?: number;
  /** Matching requests seen so far, kept by `every`. */
  seen?: number;
}

export interface FaultSwitches {
  /** Delay before answering, in ms. */
  latencyMs: number;
  latencyMatch?: string;
  /** Answer with this status (e.g. 500, 503) and a plain error body. */
  status?: (FaultRule & { code: number }) | undefined;
  /** Accept the request and never answer (the client's timeout must fire). */
  hang?: FaultRule | undefined;
  /** Answer 200 with a body that is not valid JSON. */
  malformed?: FaultRule | undefined;
  /** Destroy the socket without an answer (connection reset). */
  reset?: FaultRule | undefined;
}

export function noFaults(): FaultSwitches {
  return { latencyMs: 0 };
}

function takes(rule: FaultRule | undefined, path: string, method: string): boolean {
  if (!rule) return false;
  if (rule.match && !path.includes(rule.match)) return false;
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.every !== undefined && rule.every > 1) {
    const seen = rule.seen ?? 0;
    rule.seen = seen + 1;
    if (seen % rule.every !== 0) return false;
  }
  if (rule.times !== undefined) {
    if (rule.times <= 0) return false;
    rule.times -= 1;
  }
  return true;
}

/** Applies the switches; returns true when the fault has answered (or swallowed) the request. */
export async function applyFaults(f: FaultSwitches, req: SimRequest, res: ServerResponse): Promise<boolean> {
  if (f.latencyMs > 0 && (!f.latencyMatch || req.path.includes(f.latencyMatch))) {
    await new Promise((r) => setTimeout(r, f.latencyMs));
  }
  if (takes(f.hang, req.path, req.method)) return true; // never answered; closed with the server
  if (takes(f.reset, req.path, req.method)) {
    res.socket?.destroy();
    return true;
  }
  if (f.status && takes(f.status, req.path, req.method)) {
    res.writeHead(f.status.code, { 'content-type': 'text/plain' });
    res.end(`simulated ${f.status.code}`);
    return true;
  }
  if (takes(f.malformed, req.path, req.method)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"result": [ {"truncated');
    return true;
  }
  return false;
}
