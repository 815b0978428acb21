// Socket broadcasts whose topic or event a kind 4 frame cannot carry (docs/PROTOCOL.md §1.4) are
// refused where they enter: nothing reaches subscribers or the bus, and with ack the sender hears why.
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, tenant, testGateway } from '../../../test/support.ts';
import { noMetrics } from '../metrics/metrics.ts';

async function setup() {
  const t = testGateway();
  t.tenants.put(tenant());
  const refused: string[] = [];
  Object.assign(t.gateway.deps, { metrics: { ...noMetrics, broadcastsRefused: { inc: (reason: string) => void refused.push(reason) } } });
  const exp = t.clock.now() / 1000 + 3600;
  const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
  const open = () => {
    const socket = new MemorySocket(`s${Math.random()}`);
    const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
    return { socket, send: (frame: unknown) => t.gateway.receive(conn, typeof frame === 'string' || frame instanceof Uint8Array ? frame : JSON.stringify(frame)) };
  };
  return { ...t, refused, open };
}
const join = (topic: string, config: object = {}) => ['1', '1', topic, 'phx_join', { config }];

/** Kind 3 push as realtime-js encodes it; lengths are single bytes, so the event must stay ≤ 255 here. */
function userPush(topic: string, event: string, payload: string) {
  const enc = new TextEncoder();
  const parts = ['1', '2', topic, event, ''].map((s) => enc.encode(s));
  return new Uint8Array([3, ...parts.map((p) => p.length), 1, ...parts.flatMap((p) => [...p]), ...enc.encode(payload)]);
}

describe('broadcast field lengths', () => {
  it('refuses a 300-byte event: ack error event_too_long, nothing published or delivered, counted', async () => {
    const { open, bus, refused } = await setup();
    const sender = open();
    const listener = open();
    await sender.send(join('realtime:room', { broadcast: { ack: true, self: true } }));
    await listener.send(join('realtime:room'));
    const before = listener.socket.frames.length;
    await sender.send(['1', '2', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'e'.repeat(300), payload: {} }]);
    expect(sender.socket.json().at(-1)).toEqual(['1', '2', 'realtime:room', 'phx_reply', { status: 'error', response: { error: 'event_too_long' } }]);
    expect(bus.published).toHaveLength(0);
    expect(listener.socket.frames.length).toBe(before);
    expect(refused).toEqual(['event_too_long']);
  });

  it('counts multi-byte characters in bytes: 128 × "é" (256 bytes) is refused, 255 ASCII bytes pass', async () => {
    const { open, bus } = await setup();
    const sender = open();
    await sender.send(join('realtime:room', { broadcast: { ack: true } }));
    await sender.send(['1', '2', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'é'.repeat(128), payload: {} }]);
    expect((sender.socket.json().at(-1) as unknown[])[4]).toEqual({ status: 'error', response: { error: 'event_too_long' } });
    await sender.send(['1', '3', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'e'.repeat(255), payload: {} }]);
    expect((sender.socket.json().at(-1) as unknown[])[4]).toEqual({ status: 'ok', response: {} });
    expect(bus.published).toHaveLength(1);
  });

  it('refuses broadcasts on a channel whose topic a kind 4 frame cannot carry; without ack it drops silently', async () => {
    const { open, bus, refused } = await setup();
    const sender = open();
    const topic = `realtime:${'t'.repeat(247)}`; // 256 bytes on the wire
    await sender.send(join(topic));
    const before = sender.socket.frames.length;
    await sender.send(['1', '3', topic, 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    expect(sender.socket.frames.length).toBe(before);
    expect(bus.published).toHaveLength(0);
    expect(refused).toEqual(['topic_too_long']);
  });

  it('passes the longest kind 3 push a client can encode (255-byte wire topic and event)', async () => {
    const { open, bus } = await setup();
    const sender = open();
    const topic = `realtime:${'t'.repeat(246)}`;
    await sender.send(join(topic));
    await sender.send(userPush(topic, 'e'.repeat(255), '{"a":1}'));
    expect(bus.published).toHaveLength(1);
  });
});
