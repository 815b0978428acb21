// Hostile: the Kafka broker is gone for 30 s while clients keep broadcasting 8 KB messages. The
// attack is absorbed: local delivery on the sender's gateway goes on, /api/ping answers within a
// second, the gateway's queue toward Kafka is bounded (it drops, counted in
// realtime_broadcast_publish_dropped_total, instead of growing) and its memory stays bounded. When
// the broker returns, a broadcast between the two gateways arrives again. This stack has a Kafka of
// its own so the outage touches no other test.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startKafka, waitFor, type KafkaServer } from '@realtime/testing';
import { startStack, type Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, subscribed, token, type TenantInfo } from '../support/fixture.ts';

const OUTAGE_MS = 30_000;
const PAYLOAD = 'x'.repeat(8 * 1024);
// A small queue toward Kafka (32 MiB by default), so that a modest load overflows it.
const QUEUE_BYTES = 4 * 1024 * 1024;

let kafka: KafkaServer;
let stack: Stack;
let tenant: TenantInfo;
let key: string;

beforeAll(async () => {
  kafka = await startKafka();
  stack = await startStack({ infra: { kafkaBrokers: kafka.brokers, pgUrl: inject('infra').pgUrl }, gateways: 2, gatewayEnv: { GATEWAY_KAFKA_SEND_QUEUE_BYTES: String(QUEUE_BYTES) } });
  tenant = await createTenant(stack, { max_events_per_second: 1_000_000, max_bytes_per_second: 1_000_000_000 });
  key = await token(tenant.jwtSecret);
}, 120_000);
afterAll(async () => {
  await closeClients();
  await stack?.stop();
  await kafka?.stop();
});

const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

async function pingMs(port: number): Promise<number> {
  const start = performance.now();
  const res = await fetch(`http://${tenant.externalId}.localhost:${port}/api/ping`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
  return performance.now() - start;
}

async function dropped(url: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(stack.metricsJwtSecret, {})}` } });
  return Number(/^realtime_broadcast_publish_dropped_total(?:{[^}]*})? (\d+)/m.exec(await res.text())?.[1] ?? NaN);
}

it('keeps serving through a 30 s broker outage, bounded, and recovers', async () => {
  const [gw0, gw1] = stack.gateways as [Stack['gateways'][0], Stack['gateways'][0]];
  const sender = client(gw0.port, tenant.externalId, key).channel('busy');
  const local = client(gw0.port, tenant.externalId, key).channel('busy');
  const remote = client(gw1.port, tenant.externalId, key).channel('busy');
  const gotLocal = collect<{ payload: { n: number } }>(local, 'load');
  const gotRemote = collect<{ payload: { probe: string } }>(remote, 'probe');
  await Promise.all([subscribed(sender), subscribed(local), subscribed(remote)]);
  expect(await dropped(gw0.url)).toBe(0);
  const rssBefore = rssBytes(gw0.child.pid!);

  await kafka.down();
  let sent = 0;
  let maxPing = 0;
  let maxRss = rssBefore;
  for (const end = Date.now() + OUTAGE_MS; Date.now() < end; ) {
    for (let i = 0; i < 10; i++) await sender.send({ type: 'broadcast', event: 'load', payload: { n: sent++, s: PAYLOAD } });
    maxPing = Math.max(maxPing, await pingMs(gw0.port), await pingMs(gw1.port));
    maxRss = Math.max(maxRss, rssBytes(gw0.child.pid!));
    await new Promise((r) => setTimeout(r, 100));
  }
  // absorbed: everyone on the sender's gateway was served, health answered, the queue dropped
  await waitFor(() => expect(gotLocal).toHaveLength(sent), { timeout: 15_000 });
  expect(maxPing).toBeLessThan(1000);
  expect(sent * PAYLOAD.length).toBeGreaterThan(2 * QUEUE_BYTES); // more than the queue holds
  expect(await dropped(gw0.url)).toBeGreaterThan(0);
  expect(maxRss - rssBefore).toBeLessThan(256 * 1024 * 1024);

  await kafka.up();
  // recovered: a broadcast from gateway 0 reaches gateway 1 again
  let probe = 0;
  await waitFor(async () => {
    await sender.send({ type: 'broadcast', event: 'probe', payload: { probe: `p${++probe}` } });
    expect(gotRemote.length).toBeGreaterThan(0);
  }, { timeout: 90_000, interval: 1000 });
}, 200_000);
