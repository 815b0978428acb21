import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, tenant, testGateway } from '../../../test/support.ts';
import { channelKey } from '../channels/registry.ts';

const secret = tenant().jwtSecret!;

async function setup() {
  const t = testGateway();
  t.tenants.put(tenant());
  const exp = t.clock.now() / 1000 + 3600;
  const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket('s1');
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
  const send = (frame: unknown[]) => t.gateway.receive(conn, JSON.stringify(frame));
  // A fault in one of our own ports (the tenant directory) makes any handler that reads it throw.
  const realGet = t.tenants.get.bind(t.tenants);
  const breakTenants = (broken: boolean) => {
    t.tenants.get = broken ? () => { throw new Error('directory exploded'); } : realGet;
  };
  return { ...t, socket, conn, send, breakTenants };
}

const join = (ref: string) => [ref, ref, 'realtime:room', 'phx_join', { config: { broadcast: { ack: true } } }];

describe('channel crash (docs/PROTOCOL.md §3.4)', () => {
  it('answers a failing channel handler with phx_error for that channel, forgets it, and accepts the rejoin', async () => {
    const { socket, conn, send, breakTenants, gateway } = await setup();
    await send(join('1'));
    breakTenants(true);
    await send(['1', '2', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    expect(socket.json().at(-1)).toEqual(['1', '1', 'realtime:room', 'phx_error', { reason: 'channel_crash' }]);
    expect(conn.channels.size).toBe(0);
    expect(gateway.registry.subscribers(channelKey('acme', false, 'room'))?.size ?? 0).toBe(0);
    expect(socket.closed).toBeNull();

    breakTenants(false);
    await send(join('3'));
    expect(socket.json().at(-1)).toEqual(['3', '3', 'realtime:room', 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }]);
    expect(conn.channels.get('realtime:room')?.joinRef).toBe('3');
  });

  it('answers a join that fails unexpectedly with the reference reason instead of silence', async () => {
    const { socket, conn, send, breakTenants } = await setup();
    breakTenants(true);
    await send(join('1'));
    expect(socket.json()).toEqual([['1', '1', 'realtime:room', 'phx_reply', { status: 'error', response: { reason: 'Unknown Error on Channel' } }]]);
    expect(conn.channels.size).toBe(0);
  });

  it('leaves the socket and its other channels working', async () => {
    const { socket, conn, send, breakTenants } = await setup();
    await send(join('1'));
    await send(['2', '2', 'realtime:other', 'phx_join', { config: {} }]);
    breakTenants(true);
    await send(['1', '3', 'realtime:room', 'presence', { type: 'presence', event: 'track', payload: {} }]);
    breakTenants(false);
    expect([...conn.channels.keys()]).toEqual(['realtime:other']);
    await send([null, '4', 'phoenix', 'heartbeat', {}]);
    expect(socket.json().at(-1)).toEqual([null, '4', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
  });
});
