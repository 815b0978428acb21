// Kafka down: a bus publish hangs for as long as the Kafka client retries. The sender's ack, its
// next frames and local subscribers must not wait for it (before, each broadcast frame awaited the
// cross-gateway send).
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, tenant, testGateway } from '../../test/support.ts';

const within = <T>(p: Promise<T>, ms = 1000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms))]);

describe('a broadcast while the bus hangs', () => {
  it('is acknowledged and delivered locally at once, and the next frame is handled', async () => {
    const t = testGateway();
    t.tenants.put(tenant());
    let hanging = 0;
    t.bus.publish = () => (hanging++, new Promise<void>(() => {}));
    const nowS = t.clock.now() / 1000;
    const token = await new SignJWT({ role: 'anon', exp: nowS + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
    const open = () => {
      const socket = new MemorySocket(`s${Math.random()}`);
      const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp: nowS + 3600 });
      return { socket, send: (frame: unknown) => t.gateway.receive(conn, JSON.stringify(frame)) };
    };
    const sender = open();
    const peer = open();
    await sender.send(['1', '1', 'realtime:room', 'phx_join', { config: { broadcast: { ack: true } } }]);
    await peer.send(['1', '1', 'realtime:room', 'phx_join', { config: {} }]);
    for (const ref of ['2', '3']) await within(sender.send(['1', ref, 'realtime:room', 'broadcast', { type: 'broadcast', event: 'e', payload: { ref } }]));
    expect(sender.socket.json().slice(1)).toEqual([
      ['1', '2', 'realtime:room', 'phx_reply', { status: 'ok', response: {} }],
      ['1', '3', 'realtime:room', 'phx_reply', { status: 'ok', response: {} }],
    ]);
    expect(peer.socket.json().slice(1)).toHaveLength(2);
    expect(hanging).toBe(2);
  });
});
