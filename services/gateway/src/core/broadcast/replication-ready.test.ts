// broadcast.replication_ready (docs/PROTOCOL.md §3.5): told once after the join reply, polled every 500 ms,
// shut down at the timeout; channels that do not opt in are never told and never ask.
import { describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';
import { REPLICATION_CHECK_INTERVAL_MS } from './replication-ready.ts';

const secret = tenant().jwtSecret!;

async function setup(timeoutMs = 2000) {
  const db = new MemoryTenantDatabase();
  const t = testGateway(undefined, db, undefined, { replicationReadyTimeoutMs: timeoutMs });
  t.tenants.put(tenant());
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const socket = new MemorySocket('s1');
  const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
  const join = (topic: string, broadcast: Record<string, unknown>) => t.gateway.receive(conn, JSON.stringify(['1', '1', `realtime:${topic}`, 'phx_join', { config: { broadcast } }]));
  const events = (topic: string) => (socket.json() as unknown[][]).filter((f) => f[2] === `realtime:${topic}`).map((f) => (f[3] === 'system' ? (f[4] as { message: string }).message : f[3]));
  const tick = async () => {
    t.clock.advance(REPLICATION_CHECK_INTERVAL_MS);
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  };
  return { ...t, db, conn, join, events, tick };
}

describe('broadcast.replication_ready', () => {
  it('tells the channel right after the reply when the replication is established, once', async () => {
    const s = await setup();
    await s.join('room', { replication_ready: true });
    await vi.waitFor(() => expect(s.events('room')).toEqual(['phx_reply', 'Replication connection established']));
    const frame = (s.conn.socket as MemorySocket).json().at(-1);
    expect(frame).toEqual(['1', null, 'realtime:room', 'system', { extension: 'system', status: 'ok', message: 'Replication connection established', channel: 'room' }]);
    for (let i = 0; i < 5; i++) await s.tick();
    expect(s.events('room')).toHaveLength(2);
  });

  it('accepts the flag as the string "true" and asks nothing of channels that do not opt in', async () => {
    const s = await setup();
    await s.join('quiet', {});
    await s.join('flexible', { replication_ready: 'true' });
    await vi.waitFor(() => expect(s.events('flexible')).toEqual(['phx_reply', 'Replication connection established']));
    expect(s.db.replicationChecks).toBe(1);
    expect(s.events('quiet')).toEqual(['phx_reply']);
  });

  it('keeps asking every 500 ms and tells the channel once the replication comes up', async () => {
    const s = await setup();
    s.db.replicating = false;
    await s.join('room', { replication_ready: true });
    await s.tick();
    await s.tick();
    expect(s.events('room')).toEqual(['phx_reply']);
    s.db.replicating = true;
    await s.tick();
    await vi.waitFor(() => expect(s.events('room')).toEqual(['phx_reply', 'Replication connection established']));
  });

  it('shuts the channel down when the replication is not there by the timeout, database down included', async () => {
    const s = await setup(1000);
    s.db.down = true;
    await s.join('room', { replication_ready: true });
    await s.tick();
    expect(s.events('room')).toEqual(['phx_reply']);
    await s.tick();
    await vi.waitFor(() => expect(s.events('room')).toEqual(['phx_reply', 'Replication connection was not established in time', 'phx_close']));
    expect(s.conn.channels.has('realtime:room')).toBe(false);
  });

  it('stops asking when the channel leaves', async () => {
    const s = await setup();
    s.db.replicating = false;
    await s.join('room', { replication_ready: true });
    await s.gateway.receive(s.conn, JSON.stringify(['1', '2', 'realtime:room', 'phx_leave', {}]));
    const asked = s.db.replicationChecks;
    for (let i = 0; i < 6; i++) await s.tick();
    expect(s.db.replicationChecks).toBe(asked);
  });
});
