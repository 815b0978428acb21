import { describe, expect, it } from 'vitest';
import { Connection } from '../channels/connection.ts';
import { defaultSocketLimits } from '../channels/socket-limits.ts';
import { ManualClock, MemorySocket } from '../../../test/support.ts';
import { PACE_POLL_MS, sendPaced } from './paced-send.ts';

const LIMIT = 1000;

function setup() {
  const socket = new MemorySocket('s1');
  const conn = new Connection(socket, 'acme', '2.0.0', 'token', { role: 'anon' }, { ...defaultSocketLimits, maxBufferedBytes: LIMIT });
  let slow = 0;
  conn.onSlowReader = () => void slow++;
  return { socket, conn, clock: new ManualClock(), slow: () => slow };
}

/** Lets the paced sender's awaits run, then advances the clock one poll. */
async function tick(clock: ManualClock) {
  await new Promise((r) => setImmediate(r));
  clock.advance(PACE_POLL_MS);
  await new Promise((r) => setImmediate(r));
}

describe('sendPaced', () => {
  it('sends everything at once while the client keeps its buffer empty', async () => {
    const { socket, conn, clock } = setup();
    const frames = Array.from({ length: 50 }, (_, i) => `frame-${i}`.padEnd(100, '.'));
    await expect(sendPaced(conn, frames, clock, 1000, () => true)).resolves.toEqual({ bytes: 5000, sent: 50 });
    expect(socket.frames).toEqual(frames); // 5× the socket's bound, in order, nobody dropped
  });

  it('waits while the unsent bytes would pass half the bound, and goes on as the client reads', async () => {
    const { socket, conn, clock, slow } = setup();
    const frames = Array.from({ length: 10 }, (_, i) => `f${i}`.padEnd(200, '.'));
    socket.bufferedAmount = 400; // the client has 400 bytes to read: a 200-byte frame would pass 500
    const done = sendPaced(conn, frames, clock, 10_000, () => true);
    await tick(clock);
    expect(socket.frames).toHaveLength(0);
    socket.bufferedAmount = 0; // it read them
    await tick(clock);
    await done;
    expect(socket.frames).toEqual(frames);
    expect(slow()).toBe(0);
  });

  it('gives a client that reads nothing the rest after maxWaitMs: the slow-reader bound decides', async () => {
    const { socket, conn, clock, slow } = setup();
    socket.bufferedAmount = 900;
    const done = sendPaced(conn, ['x'.repeat(200), 'y'.repeat(200)], clock, 50, () => true);
    for (let i = 0; i < 12; i++) await tick(clock);
    await done;
    expect(slow()).toBeGreaterThan(0);
    expect(clock.liveTimers()).toBe(0);
  });

  it('stops when the channel is no longer wanted (left, socket closed)', async () => {
    const { socket, conn, clock } = setup();
    socket.bufferedAmount = 900;
    let wanted = true;
    const done = sendPaced(conn, ['a'.repeat(200), 'b'.repeat(200)], clock, 10_000, () => wanted);
    await tick(clock);
    wanted = false;
    await tick(clock);
    await expect(done).resolves.toEqual({ bytes: 0, sent: 0 });
    expect(socket.frames).toHaveLength(0);
  });
});
