// The ratelimiter as a whole against real Kafka (a topic prefix of its own): two gateways whose
// reports cross a tenant's limit only together get it throttled, well within the 2 s budget, and
// lifted when their usage drops; a throttle found on realtime.limits for an idle tenant is lifted;
// a deleted tenant's keys get tombstones; /metrics counts what happened.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SignJWT } from 'jose';
import { createLogger } from '@realtime/log';
import { createAvroProducer, createKafka, readCompactedTable, recordKeys, topicNames, type AvroProducer, type Kafka, type Reader } from '@realtime/kafka';
import type { LimitDecision, TenantSnapshot, UsageReport } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import { ratelimiterConfig } from './config.ts';
import { start } from './app.ts';

const log = createLogger({ service: 'test', level: 'warn' });
const prefix = `${uniqueName('rl')}.`;
const topics = topicNames(prefix);
const groupId = uniqueName('ratelimiter');
let kafka: Kafka;
let producer: AvroProducer;
let service: Awaited<ReturnType<typeof start>>;
let limits: Reader;
/** Every record read from realtime.limits, in order, with the time it arrived. */
const seen: { key: string; value: LimitDecision | null; at: number }[] = [];

beforeAll(async () => {
  const infra = inject('infra');
  const { config } = ratelimiterConfig.load({
    KAFKA_BROKERS: infra.kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix, RATELIMITER_LISTEN_PORT: '0', RATELIMITER_GROUP_ID: groupId,
    METRICS_JWT_SECRET: 'metrics-secret-for-this-test-0123456789',
  });
  service = await start(config, { log }); // creates the topics
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'ratelimiter-test', logger: log });
  producer = createAvroProducer(kafka);
  await producer.connect();
  limits = await readCompactedTable<LimitDecision>(kafka, {
    topic: topics.limits, schema: 'LimitDecision', logger: log, onRecord: (key, value) => void seen.push({ key, value, at: Date.now() }),
  });
});
afterAll(async () => {
  await limits?.stop();
  await producer?.disconnect();
  await service?.close();
});

function putTenant(tenant: string, maxima: Partial<TenantSnapshot>) {
  const snapshot: TenantSnapshot = { ...sampleRecords.TenantSnapshot, id: tenant, external_id: tenant, name: tenant, ...maxima };
  return producer.send<TenantSnapshot>(topics.tenants, 'TenantSnapshot', [{ key: recordKeys.tenant(tenant), value: snapshot }]);
}

/** A gateway's last `ms` of usage (the gateways publish a window every second). */
function usage(tenant: string, node: string, counts: Partial<UsageReport>, ms = 1000): UsageReport {
  const end = Date.now();
  return {
    tenant, node, window_start: end - ms, window_ms: ms,
    connections: 1, channels: 1, joins: 0, events_in: 0, events_out: 0, presence_events: 0, bytes_in: 0, bytes_out: 0, ...counts,
  };
}

/** Two gateways reporting `events()` per second each, in consecutive 250 ms windows, until stopped. */
function gateways(tenant: string, events: () => [number, number]) {
  let sentAt = 0;
  const send = async () => {
    const [g1, g2] = events();
    await producer.send<UsageReport>(topics.usage, 'UsageReport', [
      { key: recordKeys.tenant(tenant), value: usage(tenant, 'gateway-1', { events_in: g1 / 4 }, 250) },
      { key: recordKeys.tenant(tenant), value: usage(tenant, 'gateway-2', { events_in: g2 / 4 }, 250) },
    ]);
    sentAt = Date.now();
  };
  const timer = setInterval(() => void send().catch(() => {}), 250);
  return { stop: () => clearInterval(timer), lastSentAt: () => sentAt };
}

const decisionsOf = (tenant: string) => seen.filter((r) => r.key.startsWith(`${tenant}:`));

describe('ratelimiter', () => {
  it('throttles a tenant whose gateways together exceed its events rate at a tick of its rate counter, and lifts it when they slow down', async () => {
    const tenant = uniqueName('acme');
    await putTenant(tenant, { max_events_per_second: 100 });
    let rates: [number, number] = [60, 0];
    const gw = gateways(tenant, () => rates);
    try {
      await new Promise((r) => setTimeout(r, 1500)); // each alone is under the limit
      expect(decisionsOf(tenant)).toEqual([]);

      rates = [160, 160];
      const crossedAt = Date.now();
      const throttled = await waitFor(() => {
        const hit = decisionsOf(tenant).find((r) => r.value?.throttled);
        expect(hit).toBeDefined();
        return hit!;
      }, { timeout: 10_000 });
      expect(throttled.key).toBe(recordKeys.limit(tenant, 'events_per_second'));
      expect(throttled.value).toMatchObject({ tenant, limit: 'events_per_second', throttled: true, max: 100 });
      expect(throttled.value!.rate).toBeGreaterThanOrEqual(100); // the counter's average at its tick
      expect(throttled.value!.until).toBeGreaterThan(throttled.value!.decided_at);
      // the counter started with the first report and ticks every 5 s: its first tick decides
      expect(throttled.at - crossedAt).toBeLessThan(5_000);

      // a throttle is refreshed while it holds
      await waitFor(() => expect(decisionsOf(tenant).filter((r) => r.value?.throttled).length).toBeGreaterThanOrEqual(3), { timeout: 5_000 });

      rates = [0, 0];
      const lifted = await waitFor(() => {
        const last = decisionsOf(tenant).at(-1);
        expect(last?.value?.throttled).toBe(false);
        return last!;
      }, { timeout: 25_000 });
      // lifted at the first tick whose average over the buckets so far is under 100
      expect(lifted.value).toMatchObject({ limit: 'events_per_second', max: 100, until: null });
      expect(lifted.value!.rate).toBeLessThan(100);
      expect(decisionsOf(tenant).every((r) => r.key === recordKeys.limit(tenant, 'events_per_second'))).toBe(true);
    } finally {
      gw.stop();
    }
  });

  it('lifts a throttle it finds on realtime.limits for a tenant that reports nothing (as after a restart)', async () => {
    const tenant = uniqueName('idle');
    await putTenant(tenant, { max_concurrent_users: 5 });
    const stale: LimitDecision = { tenant, limit: 'concurrent_users', throttled: true, rate: 9, max: 5, until: null, decided_at: Date.now() - 60_000 };
    await producer.send<LimitDecision>(topics.limits, 'LimitDecision', [{ key: recordKeys.limit(tenant, 'concurrent_users'), value: stale }]);
    await waitFor(() => expect(decisionsOf(tenant).at(-1)?.value).toMatchObject({ throttled: false, rate: 0, max: 5 }), { timeout: 10_000 });
  });

  it('tombstones the decisions of a deleted tenant', async () => {
    const tenant = uniqueName('gone');
    await putTenant(tenant, { max_joins_per_second: 1 });
    await producer.send<UsageReport>(topics.usage, 'UsageReport', [{ key: recordKeys.tenant(tenant), value: usage(tenant, 'gateway-1', { joins: 10 }) }]);
    // [10, 0] at the counter's first tick: 10 / 2 / 5 = 1 >= 1
    await waitFor(() => expect(decisionsOf(tenant).some((r) => r.value?.throttled)).toBe(true), { timeout: 10_000 });
    await producer.send<TenantSnapshot>(topics.tenants, 'TenantSnapshot', [{ key: recordKeys.tenant(tenant), value: null }]);
    await waitFor(() => expect(decisionsOf(tenant).at(-1)).toMatchObject({ key: recordKeys.limit(tenant, 'joins_per_second'), value: null }));
  });

  it('serves /healthcheck, and /metrics only with a token signed by METRICS_JWT_SECRET', async () => {
    const url = `http://127.0.0.1:${service.address.port}`;
    expect(await (await fetch(`${url}/healthcheck`)).text()).toBe('ok');
    expect((await fetch(`${url}/metrics`)).status).toBe(403);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('metrics-secret-for-this-test-0123456789'));
    const body = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(body).toMatch(/realtime_limit_decisions_total\{limit="events_per_second",throttled="true",service="ratelimiter"\} [1-9]/);
    expect(body).toMatch(/realtime_limit_decisions_total\{limit="presence_events_per_second",throttled="true",service="ratelimiter"\} 0/);
    expect(body).toMatch(/realtime_usage_reports_total\{outcome="counted",service="ratelimiter"\} [1-9]/);
    expect(body).toContain(`realtime_kafka_consumer_lag{topic="${topics.usage}",group="${groupId}",service="ratelimiter"}`);
  });
});
