// Replay of stored rows a kind 4 frame cannot carry: a realtime.send row with a 300-byte event sits in
// realtime.messages even though ingest-cdc never broadcast it. Replaying it must not throw in the
// join (which would cost the client every row after it); it is left out, the others arrive.
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';

describe('replay', () => {
  it('leaves out a binary row whose event a kind 4 frame cannot carry and replays the rest', async () => {
    const db = new MemoryTenantDatabase();
    db.readPolicy = () => true;
    const t = testGateway(undefined, db);
    t.tenants.put(tenant());
    db.stored.set('room', [
      { id: 'm1', event: 'e'.repeat(300), payloadJson: null, binary: new Uint8Array([1]), at: 1000 },
      { id: 'm2', event: 'ok', payloadJson: null, binary: new Uint8Array([2]), at: 2000 },
      { id: 'm3', event: 'json', payloadJson: '{"n":3}', binary: null, at: 3000 },
    ]);
    const exp = Math.floor(t.clock.now() / 1000) + 3600;
    const token = await new SignJWT({ role: 'authenticated', sub: 'a', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
    const socket = new MemorySocket('s1');
    const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'authenticated', sub: 'a', exp });
    await t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: { private: true, broadcast: { replay: { since: 0, limit: 10 } } }, access_token: token }]));
    await new Promise((r) => setTimeout(r, 0));
    expect((socket.json()[0] as unknown[])[4]).toMatchObject({ status: 'ok' });
    expect(socket.binary()).toHaveLength(1); // m2 only
    expect(socket.json().at(-1)).toMatchObject([null, null, 'realtime:room', 'broadcast', { event: 'json', meta: { replayed: true, id: 'm3' } }]);
  });
});
