// The services' /metrics move with traffic (docs/PROTOCOL.md §10, docs/METRICS.md): ingest-cdc's per-tenant
// series and commit → publish histogram as rows are committed, presence-service's member gauge as a
// client tracks and untracks, and the consumer lag gauges of the groups that commit. Each scrape
// carries a Bearer JWT signed with the stack's METRICS_JWT_SECRET, as Prometheus would send it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { waitFor } from '@realtime/testing';
import { topicNames } from '@realtime/kafka';
import { token, useTenantStack } from './support/fixture.ts';
import { prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';
import { presenceChannel, view } from './support/presence.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true, presence: true });
let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: t.tenant.dbUrl });
  await db.connect();
  await prepareItemsTable(db);
});
afterAll(async () => {
  await db?.end();
});

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(t.stack.metricsJwtSecret, {})}` } });
  expect(res.status).toBe(200);
  return res.text();
}
/** The value of the one series whose line starts with `series` (name and every label, in order). */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

it('moves ingest-cdc\'s tenant series and commit → publish histogram as rows are committed', async () => {
  const url = t.stack.ingestCdc!.url;
  const tenant = `{tenant="${t.tenant.externalId}",service="ingest-cdc"}`;
  await waitForSlotStreaming(db);
  await waitFor(async () => expect(value(await scrape(url), `realtime_replication_connected${tenant}`)).toBe(1), { timeout: 20_000 });
  const before = await scrape(url);
  const histogram = (text: string, part: 'count' | 'sum') => value(text, `realtime_cdc_commit_to_publish_seconds_${part}{service="ingest-cdc"}`);

  for (let txn = 0; txn < 3; txn++) await db.query(`INSERT INTO items SELECT x, 'row' FROM generate_series($1::int, $1::int + 9) x`, [txn * 10]);

  const after = await waitFor(async () => {
    const text = await scrape(url);
    expect(value(text, `realtime_cdc_changes_published_total${tenant}`) - value(before, `realtime_cdc_changes_published_total${tenant}`)).toBe(30);
    return text;
  }, { timeout: 20_000 });
  expect(histogram(after, 'count') - histogram(before, 'count')).toBe(3);
  expect(histogram(after, 'sum')).toBeGreaterThan(histogram(before, 'sum'));
  // Exists from the tenant's start (0 until sampled; sampled every 5 s). Its value is not asserted:
  // it depends on WAL that other databases of the shared Postgres write meanwhile.
  expect(value(after, `realtime_replication_slot_lag_bytes${tenant}`)).toBeGreaterThanOrEqual(0);
  expect(after).not.toMatch(/^realtime_kafka_consumer_lag/m); // its tenants group never commits
});

it('moves presence-service\'s member gauge with tracks and untracks, and reports its consumer lag', async () => {
  const url = t.stack.presence!.url;
  const members = 'realtime_presence_members{service="presence-service"}';
  expect(value(await scrape(url), members)).toBe(0);
  const alice = await presenceChannel(t.port(), t.tenant.externalId, t.key, 'metrics-room', 'alice');
  const bob = await presenceChannel(t.port(), t.tenant.externalId, t.key, 'metrics-room', 'bob');
  await alice.track({ s: 1 });
  await bob.track({ s: 2 });
  await waitFor(() => expect(Object.keys(view(alice))).toEqual(['alice', 'bob']));
  await waitFor(async () => expect(value(await scrape(url), members)).toBe(2));
  await bob.untrack();
  await waitFor(async () => expect(value(await scrape(url), members)).toBe(1));

  const topic = topicNames(t.stack.topicPrefix).presenceCommands;
  expect(await scrape(url)).toMatch(new RegExp(`^realtime_kafka_consumer_lag\\{topic="${topic.replaceAll('.', '\\.')}",group="[^"]+",service="presence-service"\\} \\d+$`, 'm'));
});
