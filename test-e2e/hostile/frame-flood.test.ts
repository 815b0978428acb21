// Hostile: a client floods frames far over GATEWAY_MAX_FRAMES_PER_SECOND; another connects and
// never joins a channel. The flood is clipped to the rate and, sustained, closed with 1008; the
// channel-less socket is closed after GATEWAY_NO_CHANNEL_TIMEOUT_MS (docs/PROTOCOL.md §2). Meanwhile clients
// on both gateways still exchange broadcasts and /api/ping answers within a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from '../support/fixture.ts';
import { rawClient, rawJoin } from '../support/raw-socket.ts';

let stack: Stack;
let tenant: TenantInfo;
let key: string;
beforeAll(async () => {
  stack = await startE2eStack({
    gateways: 2,
    gatewayEnv: { GATEWAY_MAX_FRAMES_PER_SECOND: '100', GATEWAY_FRAME_FLOOD_SECONDS: '2', GATEWAY_NO_CHANNEL_TIMEOUT_MS: '3000', LOG_LEVEL: 'warn' },
  });
  tenant = await createTenant(stack);
  key = await token(tenant.jwtSecret);
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

async function counter(url: string, name: string, reason: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(stack.metricsJwtSecret, {})}` } });
  return Number(new RegExp(`^${name}\\{reason="${reason}"[^}]*\\} (\\S+)$`, 'm').exec(await res.text())?.[1] ?? NaN);
}

async function stillServed(): Promise<void> {
  const started = performance.now();
  const ping = await fetch(`http://${tenant.externalId}.localhost:${stack.gateways[0]!.port}/api/ping`, { signal: AbortSignal.timeout(5000) });
  expect(ping.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(1000);
  const topic = `served-${Math.random()}`;
  const a = client(stack.gateways[0]!.port, tenant.externalId, key).channel(topic);
  const b = client(stack.gateways[1]!.port, tenant.externalId, key).channel(topic);
  const got = collect(b, 'e');
  await Promise.all([subscribed(a), subscribed(b)]);
  expect(await a.send({ type: 'broadcast', event: 'e', payload: {} })).toBe('ok');
  await waitFor(() => expect(got).toHaveLength(1));
}

describe('hostile: frame floods and sockets without channels', () => {
  it('clips a frame flood to the rate and closes it with 1008 once sustained', async () => {
    const gw = stack.gateways[0]!;
    const flooder = await rawClient(gw.port, tenant.externalId, key, 100_000);
    await rawJoin(flooder, 'flood');
    let sent = 0;
    let open = true;
    void flooder.closed.then(() => (open = false));
    const started = Date.now();
    while (open && Date.now() - started < 10_000) {
      for (let i = 0; i < 200; i++) flooder.send([null, String(sent++), 'phoenix', 'heartbeat', {}]);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await flooder.closed).toEqual({ code: 1008, reason: 'too many frames per second' });
    const answered = flooder.frames.filter((f) => Array.isArray(f) && f[2] === 'phoenix').length;
    expect(answered).toBeLessThanOrEqual(3 * 100); // at most the rate over the ≤ 3 windows it lived
    expect(sent).toBeGreaterThan(10 * answered);
    expect(await counter(gw.url, 'realtime_sockets_closed_total', 'frame_flood')).toBe(1);
    expect(await counter(gw.url, 'realtime_inbound_frames_dropped_total', 'rate')).toBeGreaterThan(0);
    await stillServed();
  });

  it('closes a socket that never joins after the no-channel timeout, and keeps one with a channel', async () => {
    const gw = stack.gateways[0]!;
    const idle = await rawClient(gw.port, tenant.externalId, key);
    const member = await rawClient(gw.port, tenant.externalId, key);
    await rawJoin(member, 'kept');
    const beat = setInterval(() => [idle, member].forEach((c) => c.ws.readyState === c.ws.OPEN && c.send([null, 'hb', 'phoenix', 'heartbeat', {}])), 500);
    try {
      expect(await idle.closed).toEqual({ code: 1000, reason: 'no channels' });
      expect(member.ws.readyState).toBe(member.ws.OPEN);
      expect(await counter(gw.url, 'realtime_sockets_closed_total', 'no_channels')).toBeGreaterThanOrEqual(1);
    } finally {
      clearInterval(beat);
    }
    await stillServed();
    member.ws.close();
  });
});
