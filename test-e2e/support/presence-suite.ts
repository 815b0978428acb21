// Presence across two gateway processes with the official client (docs/PROTOCOL.md §5): sync, join and leave
// events, an update as one change, a custom key, a late joiner, the client rate limit, consistency
// under concurrent churn, a gateway killed with SIGKILL and a presence-service restart.
// A suite, so the same scenarios run on one Redis (presence.test.ts) and on a Redis Cluster
// (presence-redis-cluster.test.ts).
import { describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { NODE_TTL_MS } from '@realtime/presence';
import type { StackInfra } from '@realtime/testing/stack';
import { useTenantStack } from './fixture.ts';
import { presenceChannel, view } from './presence.ts';

/** `infra`: read when the stack starts (after the caller's own beforeAll, e.g. a cluster's). */
export function presenceSuite(name: string, infra?: () => Partial<StackInfra>): void {
  describe(name, () => {
    const t = useTenantStack({ gateways: 2, presence: true, infra });
    const open = (gw: number, topic: string, key = '', setup?: Parameters<typeof presenceChannel>[5]) => presenceChannel(t.port(gw), t.tenant.externalId, t.key, topic, key, setup);

    it('syncs tracks, updates and untracks between gateways, with join and leave events', async () => {
      const alice = await open(0, 'p-basic', 'alice');
      const events: string[] = [];
      const bob = await open(1, 'p-basic', 'bob', (c) => {
        c.on('presence', { event: 'join' }, ({ key, newPresences }) => void events.push(`join ${key} ${newPresences.map((p: any) => p.status)}`));
        c.on('presence', { event: 'leave' }, ({ key, leftPresences }) => void events.push(`leave ${key} ${leftPresences.map((p: any) => p.status)}`));
      });

      expect(await alice.track({ status: 'online' })).toBe('ok');
      await waitFor(() => expect(view(bob)).toEqual({ alice: [{ status: 'online' }] }));
      expect(await alice.track({ status: 'away' })).toBe('ok');
      await waitFor(() => expect(view(bob)).toEqual({ alice: [{ status: 'away' }] }));
      expect(await alice.untrack()).toBe('ok');
      await waitFor(() => expect(view(bob)).toEqual({}));
      expect(events).toEqual(['join alice online', 'join alice away', 'leave alice online', 'leave alice away']);
      await waitFor(() => expect(view(alice)).toEqual({})); // alice's own view follows the diff back
    });

    it('gives a late joiner the current state, and drops members whose channel leaves', async () => {
      const a = await open(0, 'p-late', 'a');
      const b = await open(1, 'p-late', 'b');
      await a.track({ n: 1 });
      await b.track({ n: 2 });
      const late = await open(1, 'p-late');
      await waitFor(() => expect(view(late)).toEqual({ a: [{ n: 1 }], b: [{ n: 2 }] }));
      await b.unsubscribe();
      await waitFor(() => expect(view(late)).toEqual({ a: [{ n: 1 }] }));
      await waitFor(() => expect(view(a)).toEqual({ a: [{ n: 1 }] }));
    });

    it('closes a channel that tracks more than 5 times in 30 s, with the documented message', async () => {
      const spammer = await open(0, 'p-spam', 'spam');
      const closed = new Promise<string>((resolve) => spammer.on('system', {}, (m: { status: string; message: string }) => m.status === 'error' && resolve(m.message)));
      for (let i = 0; i < 6; i++) void spammer.track({ i });
      expect(await closed).toBe('Client presence rate limit exceeded');
    });

    it('converges on every client after concurrent joins, updates and leaves on both gateways', async () => {
      const members = await Promise.all(Array.from({ length: 12 }, (_, i) => open(i % 2, 'p-churn', `m${i}`)));
      await Promise.all(members.map((m, i) => m.track({ v: 1, i })));
      await Promise.all(members.filter((_, i) => i % 3 === 0).map((m) => m.track({ v: 2 })));
      await Promise.all(members.filter((_, i) => i % 4 === 1).map((m) => m.untrack()));
      const expected = Object.fromEntries(members.map((_, i) => [`m${i}`, i % 4 === 1 ? null : i % 3 === 0 ? [{ v: 2 }] : [{ v: 1, i }]]).filter(([, v]) => v).sort());
      for (const m of members) await waitFor(() => expect(view(m)).toEqual(expected), { timeout: 15_000 });
    });

    it('removes the members of a gateway killed with SIGKILL within twice the liveness TTL', async () => {
      const watcher = await open(0, 'p-kill', 'watcher');
      const doomed = await open(1, 'p-kill', 'doomed');
      await doomed.track({ on: 'gw1' });
      await waitFor(() => expect(Object.keys(view(watcher))).toEqual(['doomed']));
      const killedAt = Date.now();
      await t.stack.gateways[1]!.kill();
      await waitFor(() => expect(view(watcher)).toEqual({}), { timeout: NODE_TTL_MS * 2 + 5000, interval: 100 });
      expect(Date.now() - killedAt).toBeLessThan(NODE_TTL_MS * 2);
    });

    it('keeps the state across a presence-service restart and goes on serving', async () => {
      const a = await open(0, 'p-restart', 'a');
      await a.track({ n: 1 });
      const b = await open(0, 'p-restart', 'b');
      await waitFor(() => expect(view(b)).toEqual({ a: [{ n: 1 }] }));
      await t.stack.presence!.kill();
      t.stack.presence = await t.stack.startPresence();
      await b.track({ n: 2 });
      await waitFor(() => expect(view(a)).toEqual({ a: [{ n: 1 }], b: [{ n: 2 }] }), { timeout: 20_000 });
      const late = await open(0, 'p-restart');
      await waitFor(() => expect(view(late)).toEqual({ a: [{ n: 1 }], b: [{ n: 2 }] }));
    });
  });
}
