// broadcast.replication_ready (docs/PROTOCOL.md §3.5) across the real services: with ingest-cdc streaming the
// tenant's slot, an opted-in channel is told `Replication connection established`; with no worker
// streaming it, the channel gets `Replication connection was not established in time` once
// GATEWAY_REPLICATION_READY_TIMEOUT_MS (3 s here) has passed, and is closed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { waitFor } from '@realtime/testing';
import { client, subscribed, useTenantStack } from './support/fixture.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true, gatewayEnv: { GATEWAY_REPLICATION_READY_TIMEOUT_MS: '3000' } });
let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: t.tenant.dbUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
});

function channelOf(topic: string, broadcast: Record<string, unknown>) {
  const channel = client(t.port(), t.tenant.externalId, t.key).channel(topic, { config: { broadcast } } as never);
  const system: Array<Record<string, unknown>> = [];
  channel.on('system', {}, (m) => void system.push(m));
  return { channel, system };
}

it('tells an opted-in channel once the tenant\'s replication is established, and no one else', async () => {
  await waitForSlotStreaming(db);
  const quiet = channelOf('no-opt-in', {});
  await subscribed(quiet.channel);
  const ready = channelOf('opted-in', { replication_ready: true });
  await subscribed(ready.channel);
  await waitFor(() => expect(ready.system).toEqual([{ extension: 'system', status: 'ok', message: 'Replication connection established', channel: 'opted-in' }]));
  expect(quiet.system).toEqual([]);
  expect(ready.channel.state).toBe('joined');
});

it('closes an opted-in channel when no worker streams the slot within the timeout', async () => {
  await t.stack.ingestCdc!.stop();
  await waitFor(async () => expect((await db.query(`SELECT 1 FROM pg_replication_slots WHERE active AND slot_name LIKE 'supabase_realtime_replication_slot%'`)).rowCount).toBe(0), { timeout: 20_000 });
  const waiting = channelOf('never-ready', { replication_ready: true });
  await subscribed(waiting.channel);
  await waitFor(() => expect(waiting.system).toEqual([{ extension: 'system', status: 'error', message: 'Replication connection was not established in time', channel: 'never-ready' }]), { timeout: 10_000 });
  await waitFor(() => expect(waiting.channel.state).toBe('closed'));
}, 60_000);
