// The gateway wires its bus and presence backend itself when built (no late-bound callbacks in
// app.ts), and drops its own broadcasts coming back from the bus in one place.
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, tenant, testGateway } from '../../test/support.ts';

describe('bus wiring', () => {
  it('delivers what the bus hands over, except broadcasts of this gateway', async () => {
    const { gateway, tenants, bus, clock } = testGateway();
    tenants.put(tenant());
    const nowS = clock.now() / 1000;
    const socket = new MemorySocket('s1');
    const token = await new SignJWT({ role: 'anon', exp: nowS + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
    const conn = gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp: nowS + 3600 });
    await gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:r', 'phx_join', { config: {} }]));
    const base = { id: 'x', tenant: 'acme', topic: 'r', private: false, event: 'e', kind: 'json' as const, encoding: 'json' as const, payload: new TextEncoder().encode('{}'), metaId: null, sentAt: 0 };
    expect(socket.json()).toEqual([['1', '1', 'realtime:r', 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }]]);
    bus.deliver({ ...base, originNode: 'node-a' }); // this gateway's own: delivered when sent
    expect(socket.frames).toHaveLength(1);
    bus.deliver({ ...base, originNode: 'node-b' });
    expect(socket.frames).toHaveLength(2);
  });

  it('hands presence diffs from the backend to the hub', () => {
    const { gateway, presence } = testGateway();
    let received = 0;
    gateway.presence.receive = () => void received++;
    presence.deliver({ tenant: 'acme', topic: 'r', private: false, joins_json: '{}', leaves_json: '{}', version: 1, epoch: 'e1', at: 0 });
    expect(received).toBe(1);
  });
});
