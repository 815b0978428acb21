// Hostile: with the anon key, one socket sends 150 joins whose payloads have the wrong types and
// 1,000 presence pushes with unknown events, then non-map tracks. Absorbed: each join goes on with
// defaults (docs/PROTOCOL.md §3.2) until max_channels_per_client refuses the rest with the reference's text;
// only admitted joins cost an InvalidJoinPayload log line; every bad presence push gets an error
// reply (logged with its code) and the channel's presence window finally shuts it down. Everyone
// else is still served: /api/ping within a second throughout, a broadcast between two gateways,
// gateway RSS bounded.
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@realtime/testing';
import { useTenantStack } from '../support/fixture.ts';
import { broadcastCrossesGateways, idleWorstPing, logLines, pingLoop, rawSocket, rssMb } from './support.ts';

const CHANNELS = 100;
const JOINS = 150;
const UNKNOWN_EVENTS = 1000;
const BATCH = 10;
const t = useTenantStack({ gateways: 2, presence: true, tenant: { max_channels_per_client: CHANNELS, max_joins_per_second: 100_000 } });

/** Wrong types in every section a join payload has (each one replaced by its default). */
const badConfigs: unknown[] = [
  { broadcast: 'yes' }, { presence: [1, 2] }, { private: 7 }, { broadcast: { self: 'sometimes' } },
  { postgres_changes: { event: '*' } }, { presence: { enabled: { deep: true } } }, 'config',
];

it('absorbs invalid join and presence payloads and keeps serving everyone else', async () => {
  const gw = t.stack.gateways[0]!;
  const rssBefore = rssMb(gw.child.pid!);
  const idle = await idleWorstPing(t.port(0), t.tenant.externalId);
  const pings = pingLoop(t.port(0), t.tenant.externalId);

  const ws = (await rawSocket(t.port(0), t.tenant.externalId, `vsn=2.0.0&apikey=${t.key}`)) as WebSocket;
  const frames: unknown[][] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  const replies = (status: string) => frames.filter((f) => f[3] === 'phx_reply' && (f[4] as { status: string }).status === status);

  // In batches: a socket's frames waiting to be handled are capped, and this attack is about the
  // payloads, not about that queue (frame-flood.test.ts is).
  const inBatches = async (n: number, frame: (i: number) => unknown[], answered: () => number) => {
    for (let i = 0; i < n; i += BATCH) {
      for (let j = i; j < Math.min(n, i + BATCH); j++) ws.send(JSON.stringify(frame(j)));
      await waitFor(() => expect(answered()).toBe(Math.min(n, i + BATCH)), { timeout: 10_000, interval: 20 });
    }
  };
  await inBatches(JOINS, (i) => [`j${i}`, `j${i}`, `realtime:bad-${i}`, 'phx_join', { config: badConfigs[i % badConfigs.length] }], () => replies('ok').length + replies('error').length);
  expect(replies('ok')).toHaveLength(CHANNELS);
  expect(new Set(replies('error').map((f) => (f[4] as { response: { reason: string } }).response.reason))).toEqual(new Set(['ChannelRateLimitReached: Too many channels']));
  // one log line per admitted join, none for the refused ones
  await waitFor(() => expect(logLines(gw.logFile, '"code":"InvalidJoinPayload"')).toHaveLength(CHANNELS));

  // Presence on a channel that was admitted with a bad `presence` section: defaults, so enabled by a push.
  const topic = 'realtime:bad-1';
  frames.length = 0;
  await inBatches(UNKNOWN_EVENTS, (i) => ['j1', `p${i}`, topic, 'presence', { type: 'presence', event: `jump${i}`, payload: {} }], () => replies('error').length);
  expect(replies('error').every((f) => JSON.stringify(f[4]) === '{"status":"error","response":{}}')).toBe(true);
  expect(logLines(gw.logFile, '"code":"UnknownPresenceEvent"')).toHaveLength(UNKNOWN_EVENTS);

  frames.length = 0;
  for (let i = 0; i < 6; i++) ws.send(JSON.stringify(['j1', `m${i}`, topic, 'presence', { type: 'presence', event: 'track', payload: 'not a map' }]));
  await waitFor(() => expect(frames.some((f) => f[3] === 'phx_close')).toBe(true), { timeout: 15_000 });
  expect(replies('error')[0]![4]).toEqual({ status: 'error', response: { reason: 'Presence track payload must be a map' } });
  expect(frames.find((f) => f[3] === 'system')![4]).toMatchObject({ status: 'error', message: 'Client presence rate limit exceeded' });
  expect(logLines(gw.logFile, '"code":"ClientPresenceRateLimitReached"')).toHaveLength(1);
  expect(ws.readyState).toBe(WebSocket.OPEN); // only that channel was shut, not the socket

  const seen = await pings.stop();
  process.stdout.write(`[hostile:invalid-payloads] /api/ping: ${seen.length} answers, worst ${Math.max(...seen).toFixed(0)} ms (idle worst ${idle.toFixed(0)} ms); gateway RSS ${rssBefore.toFixed(0)} → ${rssMb(gw.child.pid!).toFixed(0)} MB\n`);
  expect(Math.max(...seen)).toBeLessThan(1000 + idle);
  expect(rssMb(gw.child.pid!)).toBeLessThan(rssBefore + 200);
  await broadcastCrossesGateways(t.stack, t.tenant.externalId, t.tenant.jwtSecret);
  ws.close();
}, 90_000);
