// Tenant limits across two gateways, decided by the ratelimiter from both gateways' usage: each
// gateway alone stays under the limit, together they cross it, and both throttle with the
// the documented client errors; the throttle lifts when the rate drops. Prints the time from crossing a
// limit to throttling on the gateway that did not see the crossing locally.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token } from './support/fixture.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2, ratelimiter: true });
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

const port = (i: number) => stack.gateways[i]!.port;
const shutdownOf = (channel: RealtimeChannel) =>
  new Promise<string>((resolve) => channel.on('system', {}, (m: { status: string; message: string }) => m.status === 'error' && resolve(m.message)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tenant limits across gateways', () => {
  it('throttles messages when two gateways together exceed max_events_per_second, then lifts', async () => {
    const tenant = await createTenant(stack, { max_events_per_second: 10 });
    const key = await token(tenant.jwtSecret);
    const open = async (gw: number) => {
      const ch = client(port(gw), tenant.externalId, key).channel('rate');
      const closed = shutdownOf(ch);
      await subscribed(ch);
      return { ch, closed };
    };
    const [a, b] = await Promise.all([open(0), open(1)]);
    let stop = false;
    const pump = async (ch: RealtimeChannel) => { while (!stop) { await ch.send({ type: 'broadcast', event: 'm', payload: { x: 1 } }); await sleep(125); } };
    void pump(a.ch); // 8/s on gateway 0: under the limit
    await sleep(1500);
    const crossing = Date.now();
    void pump(b.ch); // plus 8/s on gateway 1: 16/s together
    const [ma, mb] = await Promise.all([a.closed.then((m) => [m, Date.now()] as const), b.closed.then((m) => [m, Date.now()] as const)]);
    stop = true;
    expect(ma[0]).toBe('Too many messages per second');
    expect(mb[0]).toBe('Too many messages per second');
    const ms = Math.max(ma[1], mb[1]) - crossing;
    process.stdout.write(`[limits] crossing to throttled on both gateways: ${ms} ms (gateway 0: ${ma[1] - crossing} ms)\n`);
    // The rate counter decides at its 5 s ticks (docs/PROTOCOL.md §9), then a report window and the next send
    // on each side: the reference lags the same way.
    expect(ms).toBeLessThan(9000);

    const rest = await fetch(`http://${tenant.externalId}.localhost:${port(0)}/api/broadcast`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic: 'rate', event: 'm', payload: {} }] }),
    });
    expect(rest.status).toBe(429);
    expect(await rest.json()).toEqual({ message: 'You have exceeded your rate limit' });
    expect(Number(rest.headers.get('x-rate-limit'))).toBe(10);
    expect(Number(rest.headers.get('x-rate-rolling'))).toBeGreaterThanOrEqual(10);

    // Quiet for a while: the throttle lifts at a tick whose average over the buckets is under 10/s.
    await sleep(5000);
    const sender = client(port(1), tenant.externalId, key).channel('after');
    const receiver = client(port(0), tenant.externalId, key).channel('after');
    const got = collect(receiver, 'm');
    await Promise.all([subscribed(sender), subscribed(receiver)]);
    await waitFor(async () => {
      await sender.send({ type: 'broadcast', event: 'm', payload: {} });
      expect(got.length).toBeGreaterThan(0);
    }, { timeout: 40_000, interval: 500 });
  });

  it('refuses new users beyond max_concurrent_users counted over both gateways', async () => {
    const tenant = await createTenant(stack, { max_concurrent_users: 3 });
    const key = await token(tenant.jwtSecret);
    for (const gw of [0, 0, 1]) await subscribed(client(port(gw), tenant.externalId, key).channel('users'));
    await sleep(2500); // a usage window and a decision
    // A fourth user is refused already at connect, on either gateway: 429 (docs/PROTOCOL.md §1.2).
    await expect(subscribed(client(port(1), tenant.externalId, key).channel('users'), 5000)).rejects.toThrow(/CHANNEL_ERROR|TIMED_OUT/);
    const refusal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port(1)}/socket/websocket?apikey=${key}&vsn=2.0.0`, { headers: { host: `${tenant.externalId}.localhost` } });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('connected')));
      ws.on('error', () => undefined);
    });
    expect(refusal).toEqual({ status: 429, body: JSON.stringify({ error: 'Too many connected users' }) });
  });

  it('refuses joins beyond max_joins_per_second counted over both gateways', async () => {
    const tenant = await createTenant(stack, { max_joins_per_second: 4, max_channels_per_client: 1000 });
    const key = await token(tenant.jwtSecret);
    const clients = [client(port(0), tenant.externalId, key), client(port(1), tenant.externalId, key)];
    const errors: string[] = [];
    const started = Date.now();
    for (let i = 0; errors.length === 0 && Date.now() - started < 30_000; i++) {
      // 3 joins per second on each gateway: under 4 locally, 6 together (tripped at the second
      // tick of the averaged counter: [30, 30, 0] → 4/s)
      await Promise.all(clients.map((c, gw) => subscribed(c.channel(`j-${gw}-${i}`), 3000).catch((e: Error) => void errors.push(e.message))));
      await sleep(330);
    }
    expect(errors[0]).toContain('ClientJoinRateLimitReached: Too many joins per second');
  });

  it('shuts presence down beyond max_presence_events_per_second over both gateways', async () => {
    const tenant = await createTenant(stack, { max_presence_events_per_second: 2, max_channels_per_client: 1000 });
    const key = await token(tenant.jwtSecret);
    const clients = [client(port(0), tenant.externalId, key), client(port(1), tenant.externalId, key)];
    const messages: string[] = [];
    const started = Date.now();
    for (let i = 0; messages.length === 0 && Date.now() - started < 30_000; i++) {
      await Promise.all(clients.map(async (c, gw) => {
        const ch = c.channel(`p-${gw}-${i}`);
        void shutdownOf(ch).then((m) => messages.push(m));
        await subscribed(ch);
        await ch.track({ i }); // ~1.5 per second per gateway: under 2 locally, 3 together (over 2 on average from the third tick)
      }));
      await sleep(650);
    }
    await waitFor(() => expect(messages[0]).toBe('Too many presence messages per second'));
  });

  it('enforces max_bytes_per_second, which the reference only stores', async () => {
    // The byte bucket's burst is the largest message the size limit admits: 1 KB here, so 2000 B.
    const tenant = await createTenant(stack, { max_bytes_per_second: 2000, max_events_per_second: 1000, max_payload_size_in_kb: 1 });
    const key = await token(tenant.jwtSecret);
    const chans = await Promise.all([0, 1].map(async (gw) => {
      const ch = client(port(gw), tenant.externalId, key).channel('bytes');
      const closed = shutdownOf(ch);
      await subscribed(ch);
      return { ch, closed };
    }));
    let stop = false;
    for (const { ch } of chans) void (async () => { while (!stop) { await ch.send({ type: 'broadcast', event: 'b', payload: { pad: 'x'.repeat(180) } }); await sleep(125); } })();
    const reasons = await Promise.all(chans.map((c) => c.closed)); // ~1.5 KB/s each, 3 KB/s together
    stop = true;
    expect(reasons).toEqual(['Too many messages per second', 'Too many messages per second']);
  });

  it('keeps serving and enforcing each gateway\'s own share when the ratelimiter is down', async () => {
    const tenant = await createTenant(stack, { max_events_per_second: 10 });
    const key = await token(tenant.jwtSecret);
    await stack.ratelimiter!.kill();
    const sender = client(port(0), tenant.externalId, key).channel('alone');
    const receiver = client(port(1), tenant.externalId, key).channel('alone');
    const got = collect(receiver, 'm');
    const closed = shutdownOf(sender);
    await Promise.all([subscribed(sender), subscribed(receiver)]);
    await sender.send({ type: 'broadcast', event: 'm', payload: {} });
    await waitFor(() => expect(got).toHaveLength(1)); // still serving across gateways
    let stop = false;
    void (async () => { while (!stop) { await sender.send({ type: 'broadcast', event: 'm', payload: {} }); await sleep(40); } })(); // 25/s on one gateway
    expect(await closed).toBe('Too many messages per second'); // its own counter's average reached 10/s at a tick
    stop = true;
  });
});
