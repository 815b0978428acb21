// Hostile: one socket per protocol version sends 10,000 malformed frames (truncated JSON, wrong
// types, huge strings, JSON nested 10,000 deep, random binary, truncated or invalid kind-3
// frames). Each is dropped as MalformedWebSocketMessage (counted, the socket stays open), and the
// gateway keeps serving everyone else: /api/ping within a second during the flood, a broadcast
// between two gateways, RSS bounded.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@realtime/testing';
import { useTenantStack } from '../support/fixture.ts';
import { broadcastCrossesGateways, idleWorstPing, logLines, metric, pingLoop, rawSocket, rssMb, scrape } from './support.ts';

// This scenario attacks the decoders: the frame and byte rates that clip a flood before any
// decoding (frame-flood.test.ts) are raised so that every frame reaches them.
const t = useTenantStack({
  gateways: 2,
  gatewayEnv: { GATEWAY_MAX_FRAMES_PER_SECOND: '1000000', GATEWAY_MAX_INBOUND_BYTES_PER_SECOND: '1000000000', GATEWAY_TENANT_INBOUND_BYTES_PER_SECOND: '1000000000' },
});
const FRAMES = 10_000;
const utf8 = new TextEncoder();

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const huge = (i: number) => 'x'.repeat(i % 500 === 2 ? 200_000 : 2_000);

/** A kind-3 push (docs/PROTOCOL.md §1.4) for `topic`, as realtime-js encodes it. */
function push(topic: string, payload: string, encoding = 1): Uint8Array {
  const parts = ['1', '2', topic, 'e', ''].map((s) => utf8.encode(s));
  return new Uint8Array([3, ...parts.map((p) => p.length), encoding, ...parts.flatMap((p) => [...p]), ...utf8.encode(payload)]);
}

function randomBinary(): Uint8Array {
  const bytes = randomBytes(1 + Math.floor(Math.random() * 64));
  if (bytes[0] === 3) bytes[0] = 9; // kind 3 is covered by the truncated and invalid pushes
  return bytes;
}

/** Frame `i` of the flood for vsn 2.0.0: every one of them malformed. */
function v2Frame(i: number): string | Uint8Array {
  const topic = 'realtime:room';
  const valid = JSON.stringify(['1', String(i), topic, 'broadcast', { type: 'broadcast', event: 'e', payload: { i } }]);
  switch (i % 8) {
    case 0: return valid.slice(0, Math.floor(Math.random() * (valid.length - 1)));
    case 1: return ['[1,2,3,4,5]', '{"topic":"t","event":"e","payload":{},"ref":"1"}', `[null,null,"${topic}",42,{}]`, '"str"', '[]', 'null', 'true', `[{},"1","${topic}","broadcast",{}]`][i % 64 / 8 | 0]!;
    case 2: return `[null,"${i}","${topic}",${JSON.stringify(huge(i))}]`;
    case 3: return `["1","${i}","${topic}","broadcast",{"type":"broadcast","event":"e","payload":${deep(10_000)}}]`;
    case 4: return randomBinary();
    case 5: { const p = push(topic, '{"a":1}'); return p.subarray(0, 1 + Math.floor(Math.random() * (7 + topic.length))); }
    case 6: return new Uint8Array([3, 0, 0, 4, 1, 0, 1, 0xff, 0xfe, 0xfd, 0xfc, 0x65, ...utf8.encode('{}')]);
    default: return push(topic, '{"a":');
  }
}

/** Frame `i` of the flood for vsn 1.0.0: every one of them malformed. */
function v1Frame(i: number): string | Uint8Array {
  const topic = 'realtime:room';
  const valid = JSON.stringify({ topic, event: 'broadcast', payload: { type: 'broadcast', event: 'e', payload: { i } }, ref: String(i) });
  switch (i % 8) {
    case 0: return valid.slice(0, Math.floor(Math.random() * (valid.length - 1)));
    case 1: return [`[null,"1","phoenix","heartbeat",{}]`, '{"topic":5,"event":"e","payload":{},"ref":"1"}', `{"topic":"${topic}","event":"e","payload":{}}`, `{"topic":"${topic}","event":"e","payload":{},"ref":5}`, `{"topic":"${topic}","event":null,"payload":{},"ref":"1"}`, '42', '', '{"topic":"t","event":"e","payload":{},"ref":"1","join_ref":{}}'][i % 64 / 8 | 0]!;
    case 2: return `{"topic":"${topic}","event":"broadcast","ref":"1","payload":${JSON.stringify(huge(i))}`;
    case 3: return `{"topic":"${topic}","event":"broadcast","payload":{"type":"broadcast","event":"e","payload":${deep(10_000)}},"ref":"${i}"}`;
    case 4: return randomBinary();
    default: return push(topic, '{}'); // binary frames are not part of 1.0.0
  }
}

async function flood(vsn: '1.0.0' | '2.0.0', frame: (i: number) => string | Uint8Array, handled: () => Promise<void>): Promise<void> {
  const ws = (await rawSocket(t.port(0), t.tenant.externalId, `vsn=${vsn}&apikey=${t.key}`)) as WebSocket;
  const replies: string[] = [];
  ws.on('message', (data) => replies.push(data.toString()));
  const join = vsn === '2.0.0'
    ? JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: { broadcast: { self: true } } }])
    : JSON.stringify({ topic: 'realtime:room', event: 'phx_join', payload: { config: {} }, ref: '1', join_ref: '1' });
  ws.send(join);
  await waitFor(() => expect(replies.some((r) => r.includes('phx_reply') && r.includes('"ok"'))).toBe(true));
  const frames = Array.from({ length: FRAMES }, (_, i) => frame(i));
  for (let i = 0; i < FRAMES; i++) {
    ws.send(frames[i]!);
    // Yield often: the pings that measure the gateway run in this same process.
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await handled();
  // still served: a heartbeat is answered on the socket that sent all of that
  const heartbeat = vsn === '2.0.0' ? JSON.stringify([null, 'hb', 'phoenix', 'heartbeat', {}]) : JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: 'hb' });
  ws.send(heartbeat);
  await waitFor(() => expect(replies.some((r) => r.includes('"hb"'))).toBe(true), { timeout: 30_000 });
  expect(ws.readyState).toBe(WebSocket.OPEN);
  ws.close();
}

it('drops 10,000 malformed frames per protocol version and keeps serving everyone else', async () => {
  const gw = t.stack.gateways[0]!;
  const malformed = async () => metric(await scrape(t.stack, gw.url), 'realtime_malformed_frames_total{service="gateway"}');
  const before = await malformed();
  const rssBefore = rssMb(gw.child.pid!);
  const idle = await idleWorstPing(t.port(0), t.tenant.externalId);
  const pings = pingLoop(t.port(0), t.tenant.externalId);

  const counted = (n: number) => () => waitFor(async () => expect(await malformed()).toBe(before + n), { timeout: 30_000, interval: 250 });
  await flood('2.0.0', v2Frame, counted(FRAMES));
  await flood('1.0.0', v1Frame, counted(2 * FRAMES));

  const seen = await pings.stop();
  process.stdout.write(`[hostile:frames] /api/ping during the flood: ${seen.length} answers, worst ${Math.max(...seen).toFixed(0)} ms (idle worst ${idle.toFixed(0)} ms); gateway RSS ${rssBefore.toFixed(0)} → ${rssMb(gw.child.pid!).toFixed(0)} MB\n`);
  expect(Math.max(...seen)).toBeLessThan(1000 + idle);
  expect(await malformed()).toBe(before + 2 * FRAMES);
  expect(logLines(gw.logFile, 'frame handling failed')).toEqual([]); // nothing threw past the decoder
  expect(rssMb(gw.child.pid!)).toBeLessThan(rssBefore + 200);
  await broadcastCrossesGateways(t.stack, t.tenant.externalId, t.tenant.jwtSecret);
}, 120_000);
