import type { WebClient } from '@slack/web-api';
import { errorSummary } from '../logging/error-summary.js';
import type { Logger } from '../logging/logger.js';
import type { BotServices } from './bot-services.js';
import { postResult, updateCard } from './rotation-updates.js';

/**
 * Every replica runs this: it settles rotations whose replica died mid-way (their lease lapsed) and
 * marks requests whose time ran out as expired, and tells the channel. The store's leases and
 * compare-and-set make sure only one replica acts on each request.
 */
export function startRotationSweeper(opts: {
  services: BotServices;
  client: WebClient;
  log: Logger;
  intervalMs: number;
}): () => void {
  const { services, client, log } = opts;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const req of await services.rotation.recoverInterrupted()) {
        log.warn(
          { event: 'rotation_recovered', rotationId: req.id, state: req.state },
          'settled an interrupted rotation',
        );
        await updateCard(client, log, req);
        await postResult(client, log, req);
      }
      for (const { req, revoked } of await services.rotation.revokeOrphanKeys()) {
        log.warn(
          { event: 'orphan_keys_revoked', rotationId: req.id, count: revoked.length },
          'revoked keys created without a record',
        );
      }
      for (const req of await services.rotation.expireOverdue()) await updateCard(client, log, req);
    } catch (err) {
      // Store or upstream down: nothing was decided; the next tick tries again.
      log.warn({ event: 'sweep_failed', err: errorSummary(err) }, 'rotation sweep failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
