import type { CustomRoute } from '@slack/bolt';

export type ReadinessCheck = () => Promise<{ ready: boolean; checks: Record<string, 'ok' | string> }>;

/**
 * `/healthz` says the process is alive; `/readyz` says it can do its job (store reachable, config
 * loaded), so a load balancer only sends Slack traffic to replicas that can answer it.
 */
export function healthRoutes(readiness: ReadinessCheck): CustomRoute[] {
  const json = (res: Parameters<CustomRoute['handler']>[1], status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return [
    { path: '/healthz', method: ['GET', 'HEAD'], handler: (_req, res) => json(res, 200, { status: 'ok' }) },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        readiness().then(
          (r) =>
            json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not_ready', checks: r.checks }),
          () => json(res, 503, { status: 'not_ready' }),
        );
      },
    },
  ];
}
