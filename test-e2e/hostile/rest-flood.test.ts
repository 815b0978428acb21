// Hostile: REST floods on POST /api/broadcast. Maximal batches (1000 messages) in a loop, batches
// one over the maximum and 100,000 messages (under the body limit), and garbage bodies. Over-size
// batches get the documented 429 before any per-message work, garbage its 4xx, and the gateway keeps
// serving: /api/ping within a second throughout, a broadcast between two gateways, RSS bounded.
import { request, type ClientRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import { createTenant, token, useTenantStack } from '../support/fixture.ts';
import { broadcastCrossesGateways, idleWorstPing, metric, pingLoop, rssMb, scrape } from './support.ts';

const MAX_BATCH = 1000; // GATEWAY_REST_MAX_BATCH_MESSAGES's default
const t = useTenantStack({ gateways: 2, tenant: { max_events_per_second: 10_000_000, max_bytes_per_second: 1_000_000_000 } });

const batch = (n: number, bytes = 0) => JSON.stringify({ messages: Array.from({ length: n }, (_, i) => ({ topic: 'flood', event: 'e', payload: { i, s: 'x'.repeat(bytes) } })) });

const GZIP = 'gzip:'; // a body to send gzip-compressed (a bomb: 5 MB of zeros in ~5 KB)

async function post(body: string): Promise<{ status: number; body: string }> {
  const gzip = body.startsWith(GZIP);
  const res = await fetch(`http://${t.tenant.externalId}.localhost:${t.port(0)}/api/broadcast`, {
    method: 'POST', body: gzip ? gzipSync(body.slice(GZIP.length)) : body, signal: AbortSignal.timeout(30_000),
    headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
  });
  return { status: res.status, body: await res.text() };
}

it('refuses over-size batches and garbage, absorbs maximal batches, and keeps /api/ping under a second', async () => {
  const gw = t.stack.gateways[0]!;
  const rssBefore = rssMb(gw.child.pid!);
  const maximal = batch(MAX_BATCH, 1000); // ~1 MB
  const tooMany = JSON.stringify({ message: 'Too many messages to broadcast, please reduce the batch size' });
  const oversize = [batch(MAX_BATCH + 1), JSON.stringify({ messages: Array(100_000).fill({ topic: 'f', event: 'e', payload: {} }) })];
  expect(oversize[1]!.length).toBeLessThan(5_000_000); // under the body limit: only the cap refuses it
  const garbage: Array<[string, number]> = [
    ['{"messages":', 422], ['[1,2,3]', 422], ['{"messages":"x"}', 422], ['{"messages":[1,2]}', 422],
    [`{"messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 422], ['x'.repeat(6_000_000), 413],
    [`{"messages":[{"topic":"t","event":"e","payload":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`, 422],
    [`${GZIP}{"messages":[{"topic":"t","event":"e","payload":{"z":"${'0'.repeat(4_900_000)}"}}]}`, 415],
  ];

  const idle = await idleWorstPing(t.port(0), t.tenant.externalId);
  const pings = pingLoop(t.port(0), t.tenant.externalId);
  const statuses: Record<string, number> = {};
  const deadline = Date.now() + 8000;
  const worker = async (bodies: string[], expected: (r: { status: number; body: string }) => void) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const r = await post(bodies[i % bodies.length]!);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      expected(r);
    }
  };
  await Promise.all([
    worker([maximal], (r) => expect(r.status).toBe(202)),
    worker(oversize, (r) => expect(r).toEqual({ status: 429, body: tooMany })),
    worker(garbage.map(([b]) => b), (r) => expect(garbage.some(([, status]) => status === r.status)).toBe(true)),
  ]);
  const seen = await pings.stop();
  const rssAfter = rssMb(gw.child.pid!);
  process.stdout.write(`[hostile:rest] responses ${JSON.stringify(statuses)}; /api/ping ${seen.length} answers, worst ${Math.max(...seen).toFixed(0)} ms (idle worst ${idle.toFixed(0)} ms); gateway RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB\n`);
  expect(statuses[202]).toBeGreaterThan(0);
  expect(statuses[429]).toBeGreaterThan(0);
  expect(Math.max(...seen)).toBeLessThan(1000 + idle);
  expect(rssAfter).toBeLessThan(rssBefore + 300);
  await broadcastCrossesGateways(t.stack, t.tenant.externalId, t.tenant.jwtSecret);
}, 90_000);

it('refuses a single-message payload nested too deep for 1.0.0 sockets to receive', async () => {
  const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const res = await fetch(`http://${t.tenant.externalId}.localhost:${t.port(0)}/api/broadcast/deep/events/e`, {
    method: 'POST', body: deep, headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
  });
  expect([res.status, await res.json()]).toEqual([422, { errors: { payload: ['is invalid'] } }]);
});

it('holds at most a tenant\'s share of REST body bytes: uploads that never finish cannot exhaust the gateway', async () => {
  const gw = t.stack.gateways[0]!;
  const series = async () => {
    const text = await scrape(t.stack, gw.url);
    return { inflight: metric(text, 'realtime_rest_inflight_bytes{service="gateway"}'), busy: metric(text, 'realtime_rest_busy_total{service="gateway"}') };
  };
  const before = await series();
  // Five uploads of 4 MB that send a little and then stall: 20 MB over the tenant's 16 MB share.
  const stalled: ClientRequest[] = [];
  const answers: Array<Promise<{ status: number; body: string }>> = [];
  for (let i = 0; i < 5; i++) {
    const req = request({ host: '127.0.0.1', port: t.port(0), path: '/api/broadcast', method: 'POST', headers: {
      host: `${t.tenant.externalId}.localhost`, authorization: `Bearer ${t.key}`, 'content-type': 'application/json', 'content-length': 4_000_000,
    } });
    answers.push(new Promise((resolve) => {
      req.on('response', (res) => { let body = ''; res.on('data', (c: Buffer) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body })); });
      req.on('error', () => resolve({ status: 0, body: '' }));
    }));
    req.write('{"messages":[');
    stalled.push(req);
    if (i < 4) await waitFor(async () => expect((await series()).inflight).toBe(4_000_000 * (i + 1))); // admitted, body pending
  }
  expect(await answers[4]).toEqual({ status: 429, body: JSON.stringify({ message: 'Too many requests' }) });
  const during = await series();
  expect(during.inflight).toBe(16_000_000);
  expect(during.busy).toBe(before.busy + 1);
  // Another tenant still posts; the stalled tenant's pings still answer.
  const other = await createTenant(t.stack);
  const res = await fetch(`http://${other.externalId}.localhost:${t.port(0)}/api/broadcast`, {
    method: 'POST', body: JSON.stringify({ messages: [{ topic: 'x', event: 'e', payload: {} }] }),
    headers: { authorization: `Bearer ${await token(other.jwtSecret)}`, 'content-type': 'application/json' },
  });
  expect(res.status).toBe(202);
  for (const req of stalled) req.destroy();
  await waitFor(async () => expect((await series()).inflight).toBe(0));
}, 60_000);
