// The restart drain closes sockets in batches over its window, each with the restart notice and
// 1012, and never with phx_close (realtime-js would not rejoin those channels).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, tenant, testGateway } from '../../test/support.ts';
import { RestartDrain } from './restart-drain.ts';

const secret = tenant().jwtSecret!;

async function joinedSockets(t: ReturnType<typeof testGateway>, n: number): Promise<MemorySocket[]> {
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const sockets: MemorySocket[] = [];
  for (let i = 0; i < n; i++) {
    const socket = new MemorySocket(`s${i}`);
    const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
    await t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: {} }]));
    sockets.push(socket);
  }
  return sockets;
}

const closedCount = (sockets: MemorySocket[]) => sockets.filter((s) => s.closed).length;

afterEach(() => void vi.useRealTimers());

describe('RestartDrain', () => {
  it('spreads the closes over the window, each socket told and closed with 1012', async () => {
    const t = testGateway();
    t.tenants.put(tenant());
    const sockets = await joinedSockets(t, 10);
    vi.useFakeTimers();
    const drain = new RestartDrain(t.gateway);
    expect(drain.draining).toBe(false);
    let done = false;
    void drain.run(1000).then(() => (done = true));
    expect(drain.draining).toBe(true);
    expect(closedCount(sockets)).toBe(1); // the first batch goes at once
    await vi.advanceTimersByTimeAsync(450);
    expect(closedCount(sockets)).toBe(5);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(closedCount(sockets)).toBe(10);
    expect(done).toBe(true);
    expect(t.gateway.openConnections()).toHaveLength(0);
    for (const s of sockets) {
      expect(s.closed).toEqual({ code: 1012, reason: 'server restarting' });
      const frames = s.json() as unknown[][];
      expect(frames.at(-1)).toEqual(['1', null, 'realtime:room', 'system', { extension: 'system', status: 'ok', message: 'Realtime is restarting, please standby', channel: 'room' }]);
      expect(frames.some((f) => f[3] === 'phx_close')).toBe(false);
    }
  });

  it('a zero window closes everything at once; a second run is the same drain', async () => {
    const t = testGateway();
    t.tenants.put(tenant());
    const sockets = await joinedSockets(t, 3);
    const drain = new RestartDrain(t.gateway);
    const first = drain.run(0);
    expect(drain.run(5000)).toBe(first);
    await first;
    expect(sockets.map((s) => s.closed?.code)).toEqual([1012, 1012, 1012]);
  });

  it('more sockets than ticks: equal batches every tick', async () => {
    const t = testGateway();
    t.tenants.put(tenant());
    const sockets = await joinedSockets(t, 25);
    vi.useFakeTimers();
    void new RestartDrain(t.gateway).run(200); // two ticks
    expect(closedCount(sockets)).toBe(12);
    await vi.advanceTimersByTimeAsync(100);
    expect(closedCount(sockets)).toBe(25);
  });

  it('fewer sockets than ticks: one at a time across the whole window', async () => {
    const t = testGateway();
    t.tenants.put(tenant());
    const sockets = await joinedSockets(t, 4);
    vi.useFakeTimers();
    void new RestartDrain(t.gateway).run(2000);
    expect(closedCount(sockets)).toBe(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(closedCount(sockets)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(closedCount(sockets)).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(closedCount(sockets)).toBe(4);
  });

  it('a socket that left during the window is not closed again', async () => {
    const t = testGateway();
    t.tenants.put(tenant());
    const sockets = await joinedSockets(t, 2);
    vi.useFakeTimers();
    const [gone] = t.gateway.openConnections().filter((c) => c.socket === sockets[1]);
    void new RestartDrain(t.gateway).run(200);
    t.gateway.detach(gone!);
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets[0]!.closed?.code).toBe(1012);
    expect(sockets[1]!.closed).toBeNull();
  });
});
