// Every service more than once (docs/ARCHITECTURE.md "Scaling out"): 3 gateways, 2 ingest-cdc,
// 2 presence-service, 2 ratelimiters under steady traffic: rows committed in two tenants' databases,
// broadcasts and presence from supabase-js clients spread over the gateways by a balancer. One
// instance of each kind is SIGKILLed in turn and the survivors take over what it held: the
// tenant's replication slot, the presence channels, the tenant's limit, the clients. Every
// committed row reaches its listener exactly once and in commit order. Each hand-over is printed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import type { SupabaseClient } from '@supabase/supabase-js';
import { startPostgres, waitFor, type PgServer } from '@realtime/testing';
import { defaultTopicSpecs, partitionOf, recordKeys } from '@realtime/kafka';
import type { Stack } from '@realtime/testing/stack';
import type { ServiceProcess } from '@realtime/testing/services';
import { client, closeClients, createTenant, startE2eStack, subscribed, token, type TenantInfo } from './support/fixture.ts';
import { asChange, changesReady, tenantDb } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy.ts';
import { expectConverged, largestGap, startPeers, type Peer } from './support/steady-peers.ts';
import { instanceThatLogged, logLines } from './support/service-logs.ts';

const BUSY = { max_events_per_second: 10_000, max_presence_events_per_second: 10_000, max_client_presence_events_per_window: 10_000 };
const ROW_EVERY_MS = 100;

interface Replicated {
  tenant: TenantInfo;
  db: pg.Client;
  /** Ids in commit order, with when each commit returned. */
  committed: Array<{ id: number; at: number }>;
  /** Ids as the listener on gateway 0 received them. */
  received: Array<{ id: number; at: number }>;
}

let stack: Stack;
let pg2: PgServer;
let proxy: RoundRobinProxy;
let replicated: Replicated[] = [];
let limited: TenantInfo;
let groups: Array<{ tenant: string; topic: string; peers: Peer[] }> = [];
const peers = () => groups.flatMap((g) => g.peers);
let writing = true;
let writers: Promise<void>[] = [];
const instances = {} as Record<'ingestCdc' | 'presence' | 'ratelimiter', ServiceProcess[]>;
const report = (line: string) => console.log(`[every-service-twice] ${line}`);

beforeAll(async () => {
  // Slot names are per Postgres server: the second replicating tenant needs a server of its own.
  [stack, pg2] = await Promise.all([startE2eStack({ gateways: 3, ingestCdc: true, presence: true, ratelimiter: true }), startPostgres()]);
  const [cdc2, presence2, limiter2] = await Promise.all([stack.startIngestCdc(), stack.startPresence(), stack.startRatelimiter()]);
  instances.ingestCdc = [stack.ingestCdc!, cdc2];
  instances.presence = [stack.presence!, presence2];
  instances.ratelimiter = [stack.ratelimiter!, limiter2];
  let tenants: TenantInfo[];
  // The limited tenant has no database to capture: only its limit matters (and it must not take
  // the suite server's slot).
  [limited, ...tenants] = await Promise.all([createTenant(stack, { max_concurrent_users: 3, extensions: [] }), createTenant(stack, BUSY), createTenant(stack, BUSY, pg2.url)]);
  replicated = await Promise.all(tenants.map(async (tenant) => {
    const db = await tenantDb(tenant.dbUrl);
    await db.query('CREATE TABLE items (id int PRIMARY KEY); ALTER PUBLICATION supabase_realtime ADD TABLE items');
    await waitForSlotStreaming(db);
    return { tenant, db, committed: [], received: [] };
  }));
  proxy = await startRoundRobinProxy(stack.gateways.map((g) => g.port));
}, 150_000);

afterAll(async () => {
  writing = false;
  await Promise.all(writers);
  for (const p of peers()) p.stop();
  await closeClients();
  await proxy?.close();
  await Promise.all(replicated.map((r) => r.db.end()));
  await stack?.stop();
  await pg2?.stop();
});

/** One row per transaction, every ROW_EVERY_MS, until the test ends. */
async function write(r: Replicated): Promise<void> {
  for (let id = 0; writing; id++) {
    await r.db.query('INSERT INTO items (id) VALUES ($1)', [id]);
    r.committed.push({ id, at: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, ROW_EVERY_MS));
  }
}

/** First arrival of something committed or tracked after `since`, relative to `since`. */
const firstAfter = (events: Array<{ at: number; sentAt: number }>, since: number) => {
  const e = events.find((x) => x.sentAt > since);
  return e ? e.at - since : undefined;
};

it('survives a SIGKILL of one instance of each service, losing nothing', async () => {
  // Listeners of each tenant's rows on gateway 0, which stays up throughout.
  await Promise.all(replicated.map(async (r) => {
    const channel = client(stack.gateways[0]!.port, r.tenant.externalId, await token(r.tenant.jwtSecret)).channel('items')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (p) => void r.received.push({ id: asChange(p).new.id as number, at: Date.now() }));
    await changesReady(channel);
  }));
  writers = replicated.map(write);
  // Broadcast and presence peers of both tenants, two channels each, over all three gateways.
  for (const r of replicated) {
    const key = await token(r.tenant.jwtSecret);
    for (const topic of ['lobby', 'game']) {
      groups.push({ tenant: r.tenant.externalId, topic, peers: startPeers(3, proxy.port, r.tenant.externalId, key, topic, 250, { retrackMs: 500 }) });
    }
  }
  const converged = () => Promise.all(groups.map((g) => expectConverged(g.peers)));
  await waitFor(converged, { timeout: 30_000, interval: 200 });
  const limits = await usersAtTheLimit();
  const from = Date.now();

  // ingest-cdc: the worker replicating the first tenant dies; the other takes its slot.
  const cdcVictim = instanceThatLogged(instances.ingestCdc, 'replicating tenant', replicated[0]!.tenant.externalId)!;
  expect(cdcVictim).toBeDefined();
  const victimTenants = replicated.filter((r) => instanceThatLogged([cdcVictim], 'replicating tenant', r.tenant.externalId));
  let killedAt = Date.now();
  await cdcVictim.kill();
  const survivor = instances.ingestCdc.find((s) => s !== cdcVictim)!;
  await waitFor(() => {
    for (const r of victimTenants) {
      expect(instanceThatLogged([survivor], 'replicating tenant', r.tenant.externalId)).toBeDefined();
      expect(r.received.at(-1)!.id).toBeGreaterThanOrEqual(r.committed.find((c) => c.at > killedAt)?.id ?? Infinity);
    }
  }, { timeout: 60_000, interval: 200 });
  const cdcMs = Math.max(...victimTenants.map((r) => {
    const firstId = r.committed.find((c) => c.at > killedAt)!.id;
    return r.received.find((x) => x.id === firstId)!.at - killedAt;
  }));
  report(`ingest-cdc: ${victimTenants.length} tenant(s) moved; first row committed after the kill delivered ${cdcMs} ms after it`);

  // presence-service: the owner of the first channel dies; its channels' commands wait in Kafka
  // for the survivor. The owner is the instance assigned the partition the channel's key hashes to.
  const partition = partitionOf(recordKeys.channel(groups[0]!.tenant, false, groups[0]!.topic), defaultTopicSpecs.presenceCommands.partitions);
  const assigned = (s: ServiceProcess) => logLines(s).filter((l) => l.msg === 'partitions assigned').at(-1)?.partitions as number[] | undefined;
  const presenceVictim = instances.presence.find((s) => assigned(s)?.includes(partition))!;
  expect(presenceVictim).toBeDefined();
  killedAt = Date.now();
  await presenceVictim.kill();
  const perChannel = new Map<string, number>();
  await waitFor(() => {
    for (const group of groups) {
      const seen = group.peers.flatMap((p) => p.presenceSeen.map((s) => ({ at: s.at, sentAt: s.trackedAt }))).sort((a, b) => a.at - b.at);
      const ms = firstAfter(seen, killedAt);
      expect(ms).toBeDefined();
      perChannel.set(`${group.tenant}/${group.topic}`, ms!);
    }
  }, { timeout: 60_000, interval: 200 });
  await waitFor(converged, { timeout: 30_000, interval: 200 });
  report(`presence-service: first update tracked after the kill seen per channel (ms): ${JSON.stringify(Object.fromEntries(perChannel))}`);

  // ratelimiter: the instance that throttled the limited tenant dies. Its throttle lapses on its
  // own (the decision's `until`): a user takes the place another freed, which shows that no
  // decision of the dead instance is left. Refused again past the limit, with 3 users of whom no
  // gateway holds 3, can then only be the survivor's decision (it takes the partition over after
  // the dead member's session times out, reading the last decision from realtime.limits).
  const limiterVictim = instanceThatLogged(instances.ratelimiter, 'tenant throttled', limited.externalId)!;
  expect(limiterVictim).toBeDefined();
  killedAt = Date.now();
  await limiterVictim.kill();
  await limits.leaveOne();
  await limits.joinWhenAdmitted();
  const lapsedMs = Date.now() - killedAt;
  await limits.refusedSoon(); // back at 3 users, spread so that no gateway alone is at 3
  report(`ratelimiter: dead instance's throttle lapsed, freed place taken ${lapsedMs} ms after the kill; the survivor refuses past the limit ${Date.now() - killedAt} ms after it`);

  // gateway: its clients reconnect through the balancer; presence-service removes its members.
  const gatewayVictim = stack.gateways[2]!;
  const onVictim = proxy.connections(gatewayVictim.port);
  expect(onVictim).toBeGreaterThan(0);
  const joinsBefore = peers().map((p) => p.joins);
  const rejoined = () => peers().filter((p, i) => p.joins > joinsBefore[i]!).length;
  killedAt = Date.now();
  await gatewayVictim.kill();
  proxy.remove(gatewayVictim.port);
  stack.gateways.splice(2, 1);
  await waitFor(async () => {
    expect(rejoined()).toBeGreaterThanOrEqual(onVictim);
    await converged();
  }, { timeout: 60_000, interval: 200 });
  const to = Date.now();
  const gap = Math.max(...peers().map((p) => largestGap(p, killedAt, to)));
  report(`gateway: its ${onVictim} clients rejoined elsewhere and presence converged ${to - killedAt} ms after the kill; largest gap in received broadcasts ${gap} ms`);
  report(`largest broadcast gap over the whole run: ${Math.max(...peers().map((p) => largestGap(p, from, to)))} ms`);

  // Nothing lost: every committed row once, in commit order.
  writing = false;
  await Promise.all(writers);
  for (const r of replicated) {
    await waitFor(() => expect(r.received.length).toBeGreaterThanOrEqual(r.committed.length), { timeout: 30_000, interval: 200 });
    expect(r.received.map((x) => x.id)).toEqual(r.committed.map((c) => c.id));
  }
  report(`rows delivered once, in order: ${replicated.map((r) => r.committed.length).join(' + ')}`);
}, 240_000);

/**
 * The limited tenant (max_concurrent_users 3) with 3 users on gateways 0, 0 and 1: each gateway
 * alone is under the limit, so a refused fourth user shows the ratelimiter's decision at work.
 */
async function usersAtTheLimit() {
  const key = await token(limited.jwtSecret);
  const users: SupabaseClient[] = [];
  const leave = async (c: SupabaseClient) => {
    await c.removeAllChannels();
    c.realtime.disconnect();
  };
  /** `stay`: an admitted user stays (counted); a probe leaves again. A refused client always leaves, or it would retry in the background. */
  const join = async (gw: number, stay: boolean, timeoutMs = 5000) => {
    const c = client(stack.gateways[gw]!.port, limited.externalId, key);
    const admitted = await subscribed(c.channel('users'), timeoutMs).then(() => true, () => false);
    if (admitted && stay) users.push(c);
    else await leave(c);
    return admitted;
  };
  for (const gw of [0, 0, 1]) expect(await join(gw, true)).toBe(true);
  // Usage reports and decisions take a second or two; until then a probe gets in (and leaves).
  const refusedSoon = () => waitFor(async () => expect(await join(1, false)).toBe(false), { timeout: 40_000, interval: 500 });
  await refusedSoon();
  return {
    refusedSoon,
    leaveOne: () => leave(users.shift()!),
    joinWhenAdmitted: () => waitFor(async () => expect(await join(1, true, 3000)).toBe(true), { timeout: 60_000, interval: 250 }),
  };
}
