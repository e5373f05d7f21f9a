import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import {
  approver,
  approver2,
  buttons,
  eventually,
  flushDb,
  redisUrlForDb,
  ReplicaCluster,
  secretsInRedis,
  status,
  visibleText,
  eventuallyAsync,
} from './replica-cluster.js';

/**
 * Issue 5 acceptance 3 (and 6 for its database): a deploy restarts every replica. Requests pending
 * before the restart (one approved, one waiting for the code already emailed) are completed after
 * it, through the new replicas, from the cards and the modal the users still have open.
 */
const DB = 12;
const redisUrl = redisUrlForDb(DB);

describe.skipIf(!redisUrl)(
  redisUrl ? 'restarting every replica' : 'restarting every replica (skipped: REDIS_URL not set)',
  () => {
    let cluster: ReplicaCluster;

    beforeAll(async () => {
      await flushDb(redisUrl!);
      cluster = await ReplicaCluster.start({ redisUrl: redisUrl! });
    }, 30_000);

    afterAll(async () => {
      await cluster?.close();
      if (redisUrl) await flushDb(redisUrl);
    }, 30_000);

    it('pending requests survive a SIGTERM restart of every replica and are completed after', async () => {
      const [a, b] = [cluster.replica(0), cluster.replica(1)];
      const oldKey = cluster.sims.cloudknox.activeKey()!.accessKey;
      const oldSecret = cluster.sims.cloudknox.secretKeyOf(oldKey);

      // Before the deploy: one request approved, one with its code emailed and the modal open.
      const approved = await cluster.requestRotation(a, 'approved-then-deploy');
      await cluster.click(b, approver, approved.card, ACTION_IDS.approveRotation);
      const coded = await cluster.requestRotation(b, 'code-sent-then-deploy');
      await cluster.click(a, approver2, coded.card, ACTION_IDS.approveRotation);
      const codedForm = await cluster.openCodeForm(b, 'code-sent-then-deploy');
      const codedOtp = cluster.sims.cloudknox.lastOtp()!;
      await eventually(() =>
        visibleText(cluster.card('approved-then-deploy')).includes('Approved by') &&
        visibleText(cluster.card('code-sent-then-deploy')).includes('Code sent')
          ? true
          : undefined,
      );
      expect((await cluster.request(approved.id))?.state).toBe('approved');
      expect((await cluster.request(coded.id))?.state).toBe('otp_pending');

      // The deploy: both replicas stop cleanly, two new processes start on new ports.
      expect(await cluster.stopAll()).toEqual([0, 0]);
      for (const r of [a, b]) {
        expect(r.lines.some((l) => l.includes('"event":"stopped"'))).toBe(true);
        expect(await status(cluster.url(r, '/healthz'))).toBe(0);
      }
      const [c, d] = await Promise.all([cluster.startReplica(), cluster.startReplica()]);
      for (const r of [c, d]) expect(await status(cluster.url(r, '/readyz'))).toBe(200);
      expect([c.port, d.port]).not.toContain(a.port);

      // The open modal still works: the code emailed before the restart is accepted by the new D.
      const mails = cluster.sims.cloudknox.outbox.length;
      const verified = await cluster.submitCode(d, codedForm, codedOtp);
      expect(verified.timedOut).toBe(false);
      await eventually(() => cluster.resultPosts()[0], 15_000);
      expect(visibleText(cluster.card('code-sent-then-deploy'))).toContain('Rotated');
      expect(cluster.sims.cloudknox.outbox).toHaveLength(mails);

      // The approved card's button still works after the restart, but that approval was for replacing
      // the key the first rotation just replaced: the code is refused and nothing more changes.
      expect(buttons(cluster.card('approved-then-deploy'))).toEqual([ACTION_IDS.enterCode]);
      const form = await cluster.openCodeForm(c, 'approved-then-deploy');
      expect(cluster.sims.cloudknox.outbox).toHaveLength(mails + 1);
      const verify = await cluster.submitCode(d, form);
      expect(verify.timedOut).toBe(false);
      await eventuallyAsync(async () => (await cluster.request(approved.id))?.state === 'failed', 15_000);
      expect((await cluster.request(approved.id))?.failureText).toContain('key changed');
      expect(cluster.resultPosts()).toHaveLength(1);
      const results = cluster.resultPosts().map(visibleText);
      expect(results[0]).toContain('Rotated');

      // One active key, the one the surviving rotation made, and ServiceNow holds it; the original key is revoked.
      const active = cluster.activeKeys();
      expect(active).toHaveLength(1);
      expect(cluster.sims.servicenow.configRecord()!.access_key).toBe(active[0]!.accessKey);
      expect(await cluster.authenticates(oldKey, oldSecret)).toBe(false);
      expect((await cluster.request(coded.id))?.state).toBe('rotated');
    }, 45_000);

    it('leaves no secret in Redis (canary scan of every key)', async () => {
      const { keys, leaks, text } = await secretsInRedis(redisUrl!, cluster.secrets());
      expect(keys.length).toBeGreaterThan(0);
      expect(text).toContain('rotated');
      expect(leaks).toEqual([]);
    });
  },
);
