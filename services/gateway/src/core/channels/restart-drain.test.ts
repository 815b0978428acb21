// The restart drain closes sockets in batches over its window, each with the restart notice and
// 1012, and never with phx_close (realtime-js would not rejoin those channels).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { MemorySocket, tenant, testGateway } from '../../../test/support.ts';
import { RestartDrain } from './restart-drain.ts';

const secret = tenant().jwtSecret!;

/** A gateway with `n` sockets, each joined to one channel. */
async function withSockets(n: number): Promise<{ t: ReturnType<typeof testGateway>; sockets: MemorySocket[] }> {
  const t = testGateway();
  t.tenants.put(tenant());
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const sockets: MemorySocket[] = [];
  for (let i = 0; i < n; i++) {
    const socket = new MemorySocket(`s${i}`);
    const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
    await t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: {} }]));
    sockets.push(socket);
  }
  return { t, sockets };
}

const closedCount = (sockets: MemorySocket[]) => sockets.filter((s) => s.closed).length;

afterEach(() => void vi.useRealTimers());

describe('RestartDrain', () => {
  it('spreads the closes over the window, each socket told and closed with 1012', async () => {
    const { t, sockets } = await withSockets(10);
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
    const { t, sockets } = await withSockets(3);
    const drain = new RestartDrain(t.gateway);
    const first = drain.run(0);
    expect(drain.run(5000)).toBe(first);
    await first;
    expect(sockets.map((s) => s.closed?.code)).toEqual([1012, 1012, 1012]);
  });

  // [sockets, window, then (ms advanced, sockets closed by then) in turn]
  it.each([
    ['more sockets than ticks: equal batches every tick', 25, 200, [[0, 12], [100, 25]]],
    ['fewer sockets than ticks: one at a time across the whole window', 4, 2000, [[0, 1], [499, 1], [1, 2], [1000, 4]]],
  ] as const)('%s', async (_name, count, windowMs, steps) => {
    const { t, sockets } = await withSockets(count);
    vi.useFakeTimers();
    void new RestartDrain(t.gateway).run(windowMs);
    for (const [ms, closed] of steps) {
      await vi.advanceTimersByTimeAsync(ms);
      expect(closedCount(sockets)).toBe(closed);
    }
  });

  it('a socket that left during the window is not closed again', async () => {
    const { t, sockets } = await withSockets(2);
    vi.useFakeTimers();
    const [gone] = t.gateway.openConnections().filter((c) => c.socket === sockets[1]);
    void new RestartDrain(t.gateway).run(200);
    t.gateway.detach(gone!);
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets[0]!.closed?.code).toBe(1012);
    expect(sockets[1]!.closed).toBeNull();
  });
});
