// Health and metrics endpoints of the gateway and tenant-admin processes (docs/PROTOCOL.md §8, §10): health
// answers without auth; /metrics needs a Bearer JWT signed with METRICS_JWT_SECRET and its
// counters move with traffic.
import { expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { client, collect, subscribed, token, useTenantStack } from './support/fixture.ts';

const t = useTenantStack({ gateways: 1 });

async function scrape(url: string, secret: string | null): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/metrics`, { headers: secret ? { authorization: `Bearer ${await token(secret, {})}` } : {} });
  return { status: res.status, text: await res.text() };
}
const value = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

it('serves health without auth and metrics only with the metrics token', async () => {
  const gw = t.stack.gateways[0]!;
  expect(await (await fetch(`${gw.url}/healthcheck`)).text()).toBe('ok');
  expect(await (await fetch(`${t.stack.admin.url}/healthcheck`)).text()).toBe('ok');
  expect(await (await fetch(`http://${t.tenant.externalId}.localhost:${gw.port}/api/ping`)).json()).toEqual({ message: 'Success' });
  expect(await (await fetch(`http://unknown.localhost:${gw.port}/api/ping`)).status).toBe(404);
  for (const url of [gw.url, t.stack.admin.url]) {
    expect((await scrape(url, null)).status).toBe(403);
    expect((await scrape(url, 'wrong-secret')).status).toBe(403);
    expect((await scrape(url, t.stack.metricsJwtSecret)).status).toBe(200);
  }
  expect((await scrape(t.stack.admin.url, t.stack.metricsJwtSecret)).text).toContain('realtime_tenant_admin_outbox_published_total');
});

it('moves the gateway counters with traffic', async () => {
  const gw = t.stack.gateways[0]!;
  const before = (await scrape(gw.url, t.stack.metricsJwtSecret)).text;
  const a = client(gw.port, t.tenant.externalId, t.key).channel('metrics');
  const b = client(gw.port, t.tenant.externalId, t.key).channel('metrics');
  const got = collect(b);
  await Promise.all([subscribed(a), subscribed(b)]);
  await a.send({ type: 'broadcast', event: 'e', payload: {} });
  await waitFor(() => expect(got).toHaveLength(1));
  const after = (await scrape(gw.url, t.stack.metricsJwtSecret)).text;
  expect(value(after, 'realtime_channel_joins_total') - value(before, 'realtime_channel_joins_total')).toBe(2);
  expect(value(after, 'realtime_channel_events_in_total') - value(before, 'realtime_channel_events_in_total')).toBe(1);
  expect(value(after, 'realtime_channel_events_out_total') - value(before, 'realtime_channel_events_out_total')).toBe(1);
  expect(value(after, 'realtime_connections_global_connected')).toBeGreaterThanOrEqual(2);
  expect(value(before, 'realtime_malformed_frames_total')).toBe(0);
  expect(value(after, 'realtime_payload_size_bytes_count') - value(before, 'realtime_payload_size_bytes_count')).toBe(1);
  const tenantIn = `realtime_tenant_events_total{tenant="${t.tenant.externalId}",direction="in",service="gateway"}`;
  expect(series(after, tenantIn) - (series(before, tenantIn) || 0)).toBe(1);
  expect(value(after, 'realtime_tenants_connected')).toBeGreaterThanOrEqual(1);
  expect(series(before, 'realtime_rate_limited_total{limit="events_per_second",service="gateway"}')).toBe(0); // labelled series start at zero
  expect(value(before, 'realtime_rls_check_seconds_count')).toBe(0);
});

/** The value of one exact series (name plus labels as Prometheus prints them). */
function series(text: string, exact: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${exact} `));
  return line ? Number(line.slice(exact.length + 1)) : NaN;
}
