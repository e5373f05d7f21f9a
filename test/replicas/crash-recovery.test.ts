import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import {
  approver,
  buttons,
  eventually,
  eventuallyAsync,
  flushDb,
  redisUrlForDb,
  ReplicaCluster,
  secretsInRedis,
  sleep,
  visibleText,
} from './replica-cluster.js';

/**
 * Issue 5 acceptance 4 (and 6 for its database): `kill -9` of the replica running a rotation, while
 * ServiceNow holds its PATCH of the configuration record. The other replica finds the lapsed lease
 * and rolls back: the new key is revoked, the old key and ServiceNow's copy of it keep working.
 */
const DB = 13;
const redisUrl = redisUrlForDb(DB);
const LEASE_SECONDS = 2;
/** Each replica sweeps every lease/2: waiting this long gives every replica at least one more sweep. */
const A_SWEEP_MS = (LEASE_SECONDS * 1000) / 2 + 200;

describe.skipIf(!redisUrl)(
  redisUrl ? 'a replica killed mid-rotation' : 'a replica killed mid-rotation (skipped: REDIS_URL not set)',
  () => {
    let cluster: ReplicaCluster;

    beforeAll(async () => {
      await flushDb(redisUrl!);
      cluster = await ReplicaCluster.start({
        redisUrl: redisUrl!,
        env: { ROTATION_LEASE_SECONDS: String(LEASE_SECONDS) },
      });
    }, 30_000);

    afterEach(() => {
      cluster.sims.servicenow.faults.hang = undefined;
    });

    afterAll(async () => {
      await cluster?.close();
      if (redisUrl) await flushDb(redisUrl);
    }, 30_000);

    it('kill -9 while ServiceNow holds the PATCH: the other replica rolls back and tells the channel', async () => {
      const [a, b] = [cluster.replica(0), cluster.replica(1)];
      const reason = 'killed-mid-rotation';
      const oldKey = cluster.sims.cloudknox.activeKey()!.accessKey;
      const oldSecret = cluster.sims.cloudknox.secretKeyOf(oldKey)!;
      const table = cluster.sims.seed.servicenow.configTable;

      const { card, id } = await cluster.requestRotation(a, reason);
      await cluster.click(b, approver, card, ACTION_IDS.approveRotation);
      const form = await cluster.openCodeForm(a, reason);

      // ServiceNow accepts the write of the new key and never answers it.
      const hang = { match: `/api/now/table/${table}`, method: 'PATCH', times: 1 };
      cluster.sims.servicenow.faults.hang = hang;
      const verify = await cluster.submitCode(a, form);
      expect(verify.timedOut).toBe(false);
      // `times` drops to 0 when the PATCH arrives: A is now inside the rotation, holding its lease.
      await eventually(() => (hang.times === 0 ? true : undefined), 10_000);
      const newKey = cluster.activeKeys().find((k) => k.accessKey !== oldKey)!.accessKey;
      expect(newKey).toBeDefined();
      expect((await cluster.request(id))?.state).toBe('rotating');
      expect(await cluster.store.leaseOwner(`rotation:${id}`)).toBeDefined();

      await cluster.kill9(a);

      // B's sweeper (every lease/2) finds the lapsed lease and rolls back; bounded wait.
      const told = await eventually(() => cluster.resultPosts()[0], (LEASE_SECONDS + 8) * 1000);
      const text = visibleText(told);
      expect(text).toContain('Rolled back');
      expect(text).toMatch(/replica running it stopped/);
      expect(text).toContain(`The new key ••••${newKey.slice(-4)} was revoked`);
      expect(text).toContain(`The old key ••••${oldKey.slice(-4)} still works`);
      expect(visibleText(cluster.card(reason))).toContain('Rolled back');
      expect(buttons(cluster.card(reason))).toEqual([]);
      expect((await cluster.request(id))?.state).toBe('rolled_back');

      // The old key works and ServiceNow holds it; the orphan new key is revoked.
      expect(await cluster.authenticates(oldKey, oldSecret)).toBe(true);
      const record = cluster.sims.servicenow.configRecord()!;
      expect(record.access_key).toBe(oldKey);
      expect(record.secret_key).toBe(oldSecret);
      expect(cluster.activeKeys().map((k) => k.accessKey)).toEqual([oldKey]);
      expect(await cluster.authenticates(newKey, cluster.sims.cloudknox.secretKeyOf(newKey))).toBe(false);
      const recovered = cluster
        .logEvents()
        .filter((e) => e.event === 'rotation_recovered' && e.rotationId === id);
      expect(recovered).toHaveLength(1);

      // Told once, even after more sweeps.
      await sleep(A_SWEEP_MS);
      expect(cluster.resultPosts()).toHaveLength(1);
    }, 40_000);

    it('the surviving replica then rotates normally', async () => {
      const b = cluster.replica(0);
      const reason = 'after-the-crash';
      const before = cluster.resultPosts().length;
      const { card } = await cluster.requestRotation(b, reason);
      await cluster.click(b, approver, card, ACTION_IDS.approveRotation);
      const form = await cluster.openCodeForm(b, reason);
      await cluster.submitCode(b, form);
      const result = await eventually(() => cluster.resultPosts()[before], 15_000);
      expect(visibleText(result)).toContain('Rotated');
      const active = cluster.activeKeys();
      expect(active).toHaveLength(1);
      expect(cluster.sims.servicenow.configRecord()!.access_key).toBe(active[0]!.accessKey);
    }, 30_000);

    it('a live rotation is never rolled back by another replica, even when Slack is slow', async () => {
      // Slack answers chat.update slower than the lease: the replica running the rotation updates the
      // card between "code accepted" and the ServiceNow switch, and must still hold the rotation.
      const c = await cluster.startReplica();
      const b = cluster.replica(0);
      const reason = 'slow-slack';
      const before = cluster.resultPosts().length;
      const oldKey = cluster.sims.cloudknox.activeKey()!.accessKey;
      const { card, id } = await cluster.requestRotation(c, reason);
      await cluster.click(b, approver, card, ACTION_IDS.approveRotation);
      const form = await cluster.openCodeForm(c, reason);
      cluster.slack.faults.latencyMs = (LEASE_SECONDS + 1) * 1000;
      cluster.slack.faults.latencyMatch = 'chat.update';
      try {
        const verify = await cluster.submitCode(c, form);
        expect(verify.timedOut).toBe(false);
        await eventuallyAsync(async () => (await cluster.request(id))?.state === 'rotated', 20_000);
      } finally {
        cluster.slack.faults.latencyMs = 0;
        cluster.slack.faults.latencyMatch = undefined;
      }
      const result = await eventually(() => cluster.resultPosts()[before], 15_000);
      expect(visibleText(result)).toContain('Rotated');
      const active = cluster.activeKeys();
      expect(active).toHaveLength(1);
      expect(active[0]!.accessKey).not.toBe(oldKey);
      expect(cluster.sims.servicenow.configRecord()!.access_key).toBe(active[0]!.accessKey);
      await sleep(A_SWEEP_MS);
      expect(cluster.resultPosts()).toHaveLength(before + 1);
      expect(cluster.logEvents().filter((e) => e.event === 'rotation_recovered')).toHaveLength(1);
    }, 40_000);

    it('leaves no secret in Redis (canary scan of every key)', async () => {
      const { keys, leaks, text } = await secretsInRedis(redisUrl!, cluster.secrets());
      expect(keys.length).toBeGreaterThan(0);
      expect(text).toContain('rolled_back');
      expect(leaks).toEqual([]);
    });
  },
);
