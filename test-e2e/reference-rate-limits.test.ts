// Tenant rate limits shaped like the reference (docs/PROTOCOL.md §9): its rate counter averages over 5 s
// buckets (12 of them) and decides at each tick, so a page that joins many channels at once is
// not refused while sustained joins above the limit are; max_bytes_per_second is a token bucket
// whose burst admits any message the size limit admits; while a tenant's events limit is tripped
// its Postgres changes and database broadcasts are consumed and dropped, and other tenants are
// served as usual. The whole stack runs, ratelimiter included (it judges the same way).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { startPostgres, waitFor, type PgServer } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from './support/fixture.ts';
import { rawClient, type RawClient } from './support/raw-socket.ts';
import { asChange, changesReady, tenantDb, type Change } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2, ingestCdc: true, ratelimiter: true });
}, 120_000);
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

const port = (i = 0) => stack.gateways[i]!.port;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Frame = [string | null, string | null, string, string, { status?: string; response?: { reason?: string } }];
const joinReplies = (sockets: RawClient[]) => sockets.flatMap((s) => s.frames as Frame[]).filter((f) => Array.isArray(f) && f[3] === 'phx_reply' && f[0] === f[1]);

async function metrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(stack.metricsJwtSecret, {})}` } });
  return res.text();
}
const series = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('joins per second, averaged like the reference', () => {
  it('admits a page joining 150 channels at once on a tenant with max_joins_per_second=100', async () => {
    const tenant = await createTenant(stack, { max_joins_per_second: 100 });
    const key = await token(tenant.jwtSecret);
    const sockets = await Promise.all([0, 1].map(() => rawClient(port(0), tenant.externalId, key)));
    sockets.forEach((s, i) => {
      for (let j = 1; j <= 75; j++) s.send([String(j), String(j), `realtime:page-${i}-${j}`, 'phx_join', { config: {} }]);
    });
    await waitFor(() => expect(joinReplies(sockets)).toHaveLength(150), { timeout: 30_000 });
    expect(joinReplies(sockets).filter((f) => f[4].status !== 'ok').map((f) => f[4].response?.reason)).toEqual([]);
  });

  it('refuses sustained joins above the limit, once the counter\'s average reaches it, and closes the socket with 1001', async () => {
    const tenant = await createTenant(stack, { max_joins_per_second: 10 });
    const key = await token(tenant.jwtSecret);
    const sockets: RawClient[] = [await rawClient(port(0), tenant.externalId, key)];
    const refusal = () => joinReplies(sockets).find((f) => f[4].status === 'error');
    let sent = 0;
    let connectRefused = false;
    // about 20 joins a second, 90 to a socket (the channel cap is 100), until a join is refused
    for (const deadline = Date.now() + 45_000; !refusal() && Date.now() < deadline; sent++) {
      if (sent > 0 && sent % 90 === 0) {
        try {
          sockets.push(await rawClient(port(0), tenant.externalId, key));
        } catch (err) {
          expect(String(err)).toContain('upgrade 429'); // the connect check sees the tripped counter too
          connectRefused = true;
          break;
        }
      }
      sockets.at(-1)!.send([String(sent), String(sent), `realtime:s${sent}`, 'phx_join', { config: {} }]);
      await sleep(50);
    }
    if (!connectRefused) {
      await waitFor(() => expect(refusal()).toBeDefined(), { timeout: 15_000 }); // join errors wait 5 s
      expect(refusal()![4].response?.reason).toBe('ClientJoinRateLimitReached: Too many joins per second');
      const refusedOn = sockets.find((s) => (s.frames as Frame[]).includes(refusal()!))!;
      expect((await refusedOn.closed).code).toBe(1001);
    }
    // A one-second window would have refused the 11th join; the average admits a 5 s bucket's worth.
    const admitted = joinReplies(sockets).filter((f) => f[4].status === 'ok').length;
    expect(admitted).toBeGreaterThanOrEqual(50);
    for (const s of sockets) s.ws.close();
  });
});

describe('bytes per second, a token bucket', () => {
  it('delivers a 600 KB broadcast across gateways on a tenant with default limits, and the sender stays joined', async () => {
    const tenant = await createTenant(stack);
    const key = await token(tenant.jwtSecret);
    const sender = client(port(0), tenant.externalId, key).channel('big', { config: { broadcast: { ack: true } } });
    const receiver = client(port(1), tenant.externalId, key).channel('big');
    const got = collect<{ event: string; payload: { s: string } }>(receiver);
    await Promise.all([subscribed(sender), subscribed(receiver)]);
    expect(await sender.send({ type: 'broadcast', event: 'blob', payload: { s: 'x'.repeat(600_000) } })).toBe('ok');
    await waitFor(() => expect(got.map((m) => m.event)).toEqual(['blob']), { timeout: 15_000 });
    expect(got[0]!.payload.s).toHaveLength(600_000);
    await sleep(1_500); // a usage report and a ratelimiter decision: the large message must not have tripped it
    expect(await sender.send({ type: 'broadcast', event: 'after', payload: { s: 'y' } })).toBe('ok');
    await waitFor(() => expect(got.map((m) => m.event)).toEqual(['blob', 'after']), { timeout: 10_000 });
  });
});

describe('while the events limit is tripped', () => {
  let servers: PgServer[] = [];
  let limited: TenantInfo;
  let healthy: TenantInfo;
  let limitedDb: pg.Client;
  let healthyDb: pg.Client;

  beforeAll(async () => {
    // Replication slot names are per Postgres server, and the tenants of the tests above hold the
    // suite server's: these two replicating tenants get servers of their own.
    servers = await Promise.all([startPostgres(), startPostgres()]);
    limited = await createTenant(stack, { max_events_per_second: 10 }, servers[0]!.url);
    healthy = await createTenant(stack, {}, servers[1]!.url);
    [limitedDb, healthyDb] = await Promise.all([tenantDb(limited.dbUrl), tenantDb(healthy.dbUrl)]);
    for (const db of [limitedDb, healthyDb]) await db.query('CREATE TABLE notes (id bigint PRIMARY KEY, body text); ALTER PUBLICATION supabase_realtime ADD TABLE notes');
    await Promise.all([waitForSlotStreaming(limitedDb), waitForSlotStreaming(healthyDb)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([limitedDb?.end(), healthyDb?.end()]);
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function listener(tenant: TenantInfo) {
    const changes: Change[] = [];
    const channel = client(port(0), tenant.externalId, await token(tenant.jwtSecret)).channel('room')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes' }, (p) => void changes.push(asChange(p)));
    const sent = collect<{ payload: { n: number } }>(channel, 'db');
    await changesReady(channel);
    return { changes, sent };
  }
  const commit = (db: pg.Client, n: number) => db.query(`INSERT INTO notes VALUES (${n}, 'n${n}'); SELECT realtime.send('{"n": ${n}}', 'db', 'room', false)`);

  it('drops the tenant\'s Postgres changes and database broadcasts (counted), and other tenants keep receiving', async () => {
    const [mine, theirs] = [await listener(limited), await listener(healthy)];
    await commit(limitedDb, 1);
    await waitFor(() => {
      expect(mine.changes.map((c) => c.new.id)).toEqual([1]);
      expect(mine.sent.map((m) => m.payload.n)).toEqual([1]);
    }, { timeout: 20_000 });

    // Trip the limit: REST broadcasts to a topic nobody listens to, until one is refused.
    const key = await token(limited.jwtSecret);
    let status = 0;
    for (const deadline = Date.now() + 30_000; status !== 429 && Date.now() < deadline;) {
      const res = await fetch(`http://${limited.externalId}.localhost:${port(0)}/api/broadcast/pump/events/e`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}',
      });
      status = res.status;
      await res.arrayBuffer();
    }
    expect(status).toBe(429);

    const before = await metrics(stack.gateways[0]!.url);
    await commit(limitedDb, 2);
    await commit(healthyDb, 1);
    await waitFor(() => {
      expect(theirs.changes.map((c) => c.new.id)).toEqual([1]);
      expect(theirs.sent.map((m) => m.payload.n)).toEqual([1]);
    }, { timeout: 20_000 });
    await waitFor(async () => {
      const after = await metrics(stack.gateways[0]!.url);
      for (const kind of ['postgres_changes', 'db_broadcast']) {
        const name = 'realtime_rate_limited_dropped_total';
        expect(series(after, name, `kind="${kind}"`) - series(before, name, `kind="${kind}"`)).toBeGreaterThanOrEqual(1);
      }
    }, { timeout: 20_000 });
    expect(mine.changes.map((c) => c.new.id)).toEqual([1]);
    expect(mine.sent.map((m) => m.payload.n)).toEqual([1]);
  });
});
