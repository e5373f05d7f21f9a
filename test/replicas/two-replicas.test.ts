import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SlackMessage } from '../../src/sim/slack/index.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import {
  admin,
  approver,
  approver2,
  buttons,
  eventually,
  flushDb,
  hunt,
  redisUrlForDb,
  ReplicaCluster,
  secops,
  secretsInRedis,
  sleep,
  visibleText,
  withRedis,
} from './replica-cluster.js';

/**
 * Issue 5 acceptance 1, 2 and 6: two bot processes on different ports behind one "load balancer"
 * (the emulator's request URL, switched per interaction), sharing one Redis logical database.
 */
const DB = 11;
const redisUrl = redisUrlForDb(DB);
const auditSchema = z.object({ requestId: z.string(), action: z.string(), actor: z.string() });

describe.skipIf(!redisUrl)(
  redisUrl ? 'two replicas sharing Redis' : 'two replicas sharing Redis (skipped: REDIS_URL not set)',
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

    it('runs as two processes on two ports, both ready', async () => {
      const [a, b] = cluster.replicas;
      expect(a!.port).not.toBe(b!.port);
      expect(a!.child.pid).not.toBe(b!.child.pid);
      for (const r of cluster.replicas) {
        const ready = await fetch(cluster.url(r, '/readyz'));
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ checks: { store: 'ok' } });
      }
    });

    it('command at A, approval at B, code at A: the rotation completes exactly once', async () => {
      const [a, b] = [cluster.replica(0), cluster.replica(1)];
      const reason = 'across-replicas';
      const oldKey = cluster.sims.cloudknox.activeKey()!.accessKey;

      const { card, id } = await cluster.requestRotation(a, reason);
      expect(buttons(card)).toEqual([ACTION_IDS.approveRotation, ACTION_IDS.denyRotation]);
      // The request lives in the shared store, in the database REDIS_URL's path names.
      expect(
        (await cluster.store.keysWithPrefix('rotation:')).map((k) => k.slice('rotation:'.length)),
      ).toContain(id);

      const approval = await cluster.click(b, approver, card, ACTION_IDS.approveRotation);
      expect(approval.timedOut).toBe(false);
      await eventually(() => (visibleText(cluster.card(reason)).includes('Approved by') ? true : undefined));

      // The requester opens the code form through B and submits the code through A.
      const form = await cluster.openCodeForm(b, reason);
      expect(cluster.sims.cloudknox.outbox).toHaveLength(1);
      const verify = await cluster.submitCode(a, form);
      expect(verify.timedOut).toBe(false);

      const result = await eventually(() => cluster.resultPosts()[0], 15_000);
      expect(visibleText(result)).toContain('Rotated');
      const active = cluster.activeKeys();
      expect(active).toHaveLength(1);
      const newKey = active[0]!.accessKey;
      expect(newKey).not.toBe(oldKey);
      const record = cluster.sims.servicenow.configRecord()!;
      expect(record.access_key).toBe(newKey);
      expect(record.secret_key).toBe(cluster.sims.cloudknox.secretKeyOf(newKey));
      expect(await cluster.authenticates(newKey, cluster.sims.cloudknox.secretKeyOf(newKey))).toBe(true);
      expect(visibleText(result)).toContain(`Requested by <@${admin}>, approved by <@${approver}>`);
      expect(visibleText(cluster.card(reason))).toContain('Rotated');
      expect(buttons(cluster.card(reason))).toEqual([]);

      // Once: give both replicas' sweepers a chance to act twice, then count.
      await sleep(1000);
      expect(cluster.resultPosts()).toHaveLength(1);
      expect(cluster.sims.cloudknox.keys().filter((k) => k.accessKey !== oldKey)).toHaveLength(1);
      const finished = cluster.logEvents().filter((e) => e.event === 'rotation_finished');
      expect(finished).toHaveLength(1);
      const events = (await cluster.store.listRecent('audit', auditSchema, 1000)).filter(
        (e) => e.requestId === id,
      );
      expect(events.filter((e) => e.action === 'rotated')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'approve')).toHaveLength(1);
      expect((await cluster.request(id))?.state).toBe('rotated');
    }, 40_000);

    it('two Approves for the same request at the same moment on A and B, 50 times: one decision each time', async () => {
      const [a, b] = [cluster.replica(0), cluster.replica(1)];
      const n = 50;
      const reasons = Array.from({ length: n }, (_, i) => `race-${i}-of-${n}`);
      const requests: Array<{ reason: string; card: SlackMessage; id: string }> = [];
      // Requests come in through either replica, a few at a time.
      for (let i = 0; i < n; i += 10) {
        const batch = reasons.slice(i, i + 10);
        const made = await Promise.all(
          batch.map((reason, j) => cluster.requestRotation(j % 2 ? b : a, reason, 15_000)),
        );
        made.forEach((m, j) => requests.push({ ...m, reason: batch[j]! }));
      }
      expect(new Set(requests.map((r) => r.id)).size).toBe(n);

      // 50 times in a row: both approvers click Approve in the same tick, one through each replica.
      for (const [i, r] of requests.entries()) {
        const [first, second] = i % 2 ? [approver, approver2] : [approver2, approver];
        const acks = await Promise.all([
          cluster.click(a, first, r.card, ACTION_IDS.approveRotation),
          cluster.click(b, second, r.card, ACTION_IDS.approveRotation),
        ]);
        for (const ack of acks) {
          expect(ack.timedOut).toBe(false);
          expect(ack.status).toBe(200);
        }
      }

      // Every card says approved, by one approver, and only that one.
      for (const r of requests) {
        const req = await cluster.request(r.id);
        expect(req?.state, r.reason).toBe('approved');
        expect([approver, approver2]).toContain(req!.approvedBy);
        const card = await eventually(() => {
          const c = cluster.card(r.reason);
          return visibleText(c).includes('Approved by') ? c : undefined;
        });
        expect(visibleText(card)).toContain(`Approved by <@${req!.approvedBy}>`);
        const loser = req!.approvedBy === approver ? approver2 : approver;
        expect(visibleText(card)).not.toContain(`<@${loser}>`);
      }

      // The losers' notes: one per request, naming the winner (ephemerals carry no request id, so
      // count them per approver and check each names the other approver).
      const winners = await Promise.all(
        requests.map(async (r) => (await cluster.request(r.id))!.approvedBy!),
      );
      for (const user of [approver, approver2]) {
        const other = user === approver ? approver2 : approver;
        const lost = winners.filter((w) => w === other).length;
        const notes = await eventually(() => {
          const got = cluster
            .ephemeralsTo(user)
            .filter((m) => visibleText(m).includes('Already approved by'));
          return got.length >= lost ? got : undefined;
        }, 15_000);
        expect(notes).toHaveLength(lost);
        for (const note of notes) expect(visibleText(note)).toContain(`Already approved by <@${other}>`);
      }

      // Exactly one approval audit event per request, in the store and in `/cloudknox audit 100`.
      const events = await cluster.store.listRecent('audit', auditSchema, 1000);
      for (const r of requests) {
        expect(
          events.filter((e) => e.requestId === r.id && e.action === 'approve'),
          r.reason,
        ).toHaveLength(1);
      }
      const audit = await cluster.via(a, () =>
        cluster.slack.driver.slashCommand({ userId: admin, channelId: secops, text: 'audit 100' }),
      );
      expect(audit.timedOut).toBe(false);
      const listed = visibleText(audit.json as { text?: string; blocks?: unknown[] });
      for (const r of requests) {
        const lines = listed.split('\n').filter((l) => l.includes(r.id) && /\bapprove by\b/.test(l));
        expect(lines, r.reason).toHaveLength(1);
      }
    }, 60_000);

    it('leaves no secret in Redis after the flows (canary scan of every key)', async () => {
      const { keys, leaks, text } = await secretsInRedis(redisUrl!, cluster.secrets());
      expect(keys.some((k) => k.startsWith('cloudknox-chatops::rotation:'))).toBe(true);
      expect(text).toContain('rotated');
      expect(leaks).toEqual([]);
      // The replicas wrote to database DB, not to the default one.
      const inDb0 = await withRedis(redisUrlForDb(0)!, (c) =>
        c.exists(keys.filter((k) => k.includes('::rotation:')).slice(0, 10)),
      );
      expect(inDb0).toBe(0);
      // Nor in what the replicas logged or acked.
      expect(
        hunt(cluster.secrets(), { 'replica logs': cluster.logs(), acks: cluster.acks.join('\n') }),
      ).toEqual([]);
    });
  },
);
