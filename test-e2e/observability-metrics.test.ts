// Every metric the Grafana dashboards and the alert rules (observability/) read exists in a live
// scrape of the running services: tenant-admin, a gateway, ingest-cdc, presence-service and the
// ratelimiter, after a bit of traffic from supabase-js so that series which appear with their first
// event (per tenant, per error code, histograms of private-channel checks) are there too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@realtime/testing';
import { startService } from '@realtime/testing/services';
import { PROMETHEUS_OWN_SERIES, referencedMetrics } from '@realtime/testing/observability';
import { client, collect, subscribed, token, useTenantStack } from './support/fixture.ts';
import { changesReady, tenantDb } from './support/changes.ts';
import { prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true, presence: true });
let db: pg.Client;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await prepareItemsTable(db);
  await db.query(`CREATE POLICY "members use the hall" ON realtime.messages FOR ALL TO authenticated USING (realtime.topic() = 'hall') WITH CHECK (realtime.topic() = 'hall')`);
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

/**
 * The series names a service serves on /metrics: those of its samples, and those its `# TYPE` lines
 * declare (a histogram as _bucket, _sum and _count), since a labelled counter such as
 * realtime_tenants_migrations_exceptions_total{error_code} has no sample before its first event.
 */
async function scrapeNames(url: string): Promise<Set<string>> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(t.stack.metricsJwtSecret, {})}` } });
  expect(res.status, url).toBe(200);
  const names = new Set<string>();
  for (const line of (await res.text()).split('\n')) {
    const declared = /^# TYPE (\S+) (\w+)/.exec(line);
    if (declared) {
      const [, name, type] = declared;
      for (const suffix of type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : ['']) names.add(`${name}${suffix}`);
    } else if (line && !line.startsWith('#')) names.add(/^[a-zA-Z_:][\w:]*/.exec(line)![0]);
  }
  return names;
}

/** Joins (one refused), a private broadcast, a presence track, a Postgres change, a database broadcast. */
async function makeTraffic(): Promise<void> {
  const tenant = t.tenant.externalId;
  const member = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: randomUUID() });
  const hall = client(t.port(), tenant, member).channel('hall', { config: { private: true, broadcast: { self: true, ack: true } } });
  const got = collect(hall);
  await subscribed(hall);
  const refused = client(t.port(), tenant, t.key).channel('hall', { config: { private: true } });
  await expect(subscribed(refused)).rejects.toThrow(/Unauthorized/);
  await refused.unsubscribe();
  expect(await hall.send({ type: 'broadcast', event: 'hi', payload: { n: 1 } })).toBe('ok');
  expect(await hall.track({ online: true })).toBe('ok');

  const changes: unknown[] = [];
  const watcher = client(t.port(), tenant, t.key).channel('items').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (c) => void changes.push(c));
  await changesReady(watcher);
  await db.query(`INSERT INTO items VALUES (1, 'one')`);
  await db.query(`SELECT realtime.send('{"from": "db"}', 'db', 'hall', true)`);
  await waitFor(() => {
    expect(changes).toHaveLength(1);
    expect(got).toHaveLength(2); // the socket broadcast and the database one
  }, { timeout: 20_000 });
}

it('finds every metric the dashboards and alert rules read in the services\' /metrics', async () => {
  await makeTraffic();
  const s = t.stack;
  const services = [s.admin, ...s.gateways, s.ingestCdc!, s.presence!];
  // The ratelimiter is not part of useTenantStack: started here, it only needs Kafka.
  const ratelimiter = await startService('ratelimiter', { ...s.env, RATELIMITER_GROUP_ID: `${s.topicPrefix}ratelimiter` }, 'RATELIMITER_LISTEN_PORT');
  try {
    const exported = new Set<string>(PROMETHEUS_OWN_SERIES);
    // Sampled every 5 s (consumer lag, slot lag): scrape until each service shows its periodic series.
    await waitFor(async () => {
      for (const svc of [...services, ratelimiter]) for (const name of await scrapeNames(svc.url)) exported.add(name);
      expect(exported).toContain('realtime_kafka_consumer_lag');
    }, { timeout: 20_000 });
    const missing = [...referencedMetrics()].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (${where.join('; ')})`);
    expect(missing).toEqual([]);
    expect(referencedMetrics().size).toBeGreaterThan(50);
  } finally {
    await ratelimiter.stop();
  }
});
