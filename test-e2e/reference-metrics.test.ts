// The reference's metric names on the real /metrics of a running gateway and ingest-cdc (docs/PROTOCOL.md §10,
// docs/METRICS.md "Reference names"): after a known amount of traffic from supabase-js (private
// joins, one refused, a broadcast, a presence track, a Postgres change, a database broadcast) each
// reference-named series carries the tenant label and the value that traffic makes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@realtime/testing';
import { client, collect, subscribed, token, useTenantStack } from './support/fixture.ts';
import { changesReady, tenantDb } from './support/changes.ts';
import { prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true, presence: true });
let db: pg.Client;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await prepareItemsTable(db);
  await db.query(`CREATE POLICY "members read the lobby" ON realtime.messages FOR SELECT TO authenticated USING (realtime.topic() = 'lobby')`);
  await db.query(`CREATE POLICY "members write the lobby" ON realtime.messages FOR INSERT TO authenticated WITH CHECK (realtime.topic() = 'lobby')`);
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

interface Sample { name: string; labels: Record<string, string>; value: number }

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(t.stack.metricsJwtSecret, {})}` } });
  expect(res.status).toBe(200);
  return (await res.text()).split('\n').filter((l) => l && !l.startsWith('#')).map((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}

/** The value of the one series of `name` whose labels include `labels` (NaN when there is none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value ?? NaN;
}

it('exports the reference\'s names with the tenant label and the values the traffic made', async () => {
  const gw = t.stack.gateways[0]!.url;
  const tenant = t.tenant.externalId;
  const member = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: randomUUID() });
  const lobby = (key: string, config: Record<string, unknown> = {}) => client(t.port(), tenant, key).channel('lobby', { config: { private: true, ...config } });

  const reader = lobby(member);
  const got = collect(reader);
  await subscribed(reader); // join 1: read check 1
  const writer = lobby(member, { broadcast: { ack: true } });
  await subscribed(writer); // join 2: read check 2
  const refused = lobby(t.key);
  await expect(subscribed(refused)).rejects.toThrow(/Unauthorized/); // join 3: anon has no policy, read check 3
  await refused.unsubscribe(); // else realtime-js joins again after its rejoin delay
  expect(await writer.send({ type: 'broadcast', event: 'hi', payload: { n: 1 } })).toBe('ok'); // write check 1
  await waitFor(() => expect(got).toHaveLength(1));

  const present = client(t.port(), tenant, t.key).channel('room', { config: { presence: { key: 'me' } } });
  await subscribed(present); // join 4
  expect(await present.track({ online: true })).toBe('ok');
  await waitFor(() => expect(Object.keys(present.presenceState())).toHaveLength(1)); // its own presence_diff arrived

  const changes: unknown[] = [];
  const watcher = client(t.port(), tenant, t.key).channel('items').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (c) => void changes.push(c));
  await changesReady(watcher); // join 5
  await db.query(`INSERT INTO items VALUES (1, 'one')`);
  await waitFor(() => expect(changes).toHaveLength(1), { timeout: 20_000 });

  await db.query(`SELECT realtime.send('{"from": "db"}', 'db', 'lobby', true)`);
  await waitFor(() => expect(got).toHaveLength(2), { timeout: 20_000 });

  const m = await scrape(gw);
  const byTenant = { tenant };
  expect(value(m, 'realtime_channel_joins', byTenant)).toBe(5);
  expect(value(m, 'realtime_channel_global_joins')).toBe(5);
  expect(value(m, 'phoenix_channel_joined_total', { result: 'ok', transport: 'websocket' })).toBe(4);
  expect(value(m, 'phoenix_channel_joined_total', { result: 'error', transport: 'websocket' })).toBe(1);
  expect(value(m, 'realtime_channel_error', { tenant, code: 'Unauthorized' })).toBe(1);
  expect(value(m, 'realtime_channel_global_error', { code: 'Unauthorized' })).toBe(1);
  expect(value(m, 'realtime_tenants_read_authorization_check_count', byTenant)).toBe(3);
  expect(value(m, 'realtime_tenants_write_authorization_check_count', byTenant)).toBe(1);
  expect(value(m, 'realtime_channel_events', byTenant)).toBe(1); // the socket broadcast; the database one is ingest-cdc's
  expect(value(m, 'realtime_channel_global_events')).toBe(1);
  expect(value(m, 'realtime_channel_presence_events', byTenant)).toBe(2); // the track and the diff delivered
  expect(value(m, 'realtime_channel_db_events', byTenant)).toBe(1);
  expect(value(m, 'realtime_payload_size_count', { message_type: 'broadcast' })).toBe(1);
  expect(value(m, 'realtime_payload_size_bucket', { message_type: 'broadcast', le: '250' })).toBe(1);
  expect(value(m, 'realtime_tenants_payload_size_count', { tenant, message_type: 'presence' })).toBe(1);
  const input = value(m, 'realtime_channel_input_bytes', byTenant);
  const output = value(m, 'realtime_channel_output_bytes', byTenant);
  expect(input).toBeGreaterThan(0);
  expect(output).toBeGreaterThan(input); // every push is answered, and the broadcasts went out twice more
  expect(value(m, 'realtime_channel_global_input_bytes')).toBe(input);
  const sockets = value(m, 'realtime_connections_connected', byTenant);
  expect(sockets).toBeGreaterThanOrEqual(4); // supabase-js: one socket per client
  expect(value(m, 'realtime_connections_global_connected')).toBe(sockets);
  expect(value(m, 'realtime_tenants_connected')).toBe(1);
  expect(value(m, 'phoenix_connections_total')).toBeGreaterThanOrEqual(sockets);
  expect(value(m, 'phoenix_connections_max')).toBe(50_000); // GATEWAY_MAX_CONNECTIONS' default
  expect(value(m, 'phoenix_socket_connected_duration_milliseconds_count', { result: 'ok', serializer: 'Elixir.RealtimeWeb.Socket.V2Serializer' })).toBeGreaterThanOrEqual(5); // one upgrade per client
  // The socket broadcast (tenant here) and the database one read from Kafka (tenant here too).
  expect(value(m, 'realtime_broadcast_global_fanout_node_delivery_total', { hit: 'true' })).toBe(2);
  expect(value(m, 'realtime_broadcast_global_fanout_node_delivery_total', { hit: 'false' })).toBe(0);

  const cdc = await scrape(t.stack.ingestCdc!.url);
  expect(value(cdc, 'realtime_replication_poller_changes_dispatch', byTenant)).toBe(1);
  expect(value(cdc, 'realtime_channel_events', byTenant)).toBe(1); // the database broadcast
  expect(value(cdc, 'realtime_tenants_broadcast_from_database_latency_committed_at_count', byTenant)).toBe(1);

  const admin = await scrape(t.stack.admin.url);
  expect(value(admin, 'realtime_tenants_migrations_duration_milliseconds_count')).toBeGreaterThanOrEqual(1); // the tenant's database
});
