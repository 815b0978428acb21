import { describe, expect, it } from 'vitest';
import { StreamSeam } from './seam.ts';
import { Semaphore } from './semaphore.ts';
import { OwnSends } from './own-sends.ts';
import { parseRecover } from '../channels/join-options.ts';
import { parsePosition, positionText } from '../base/log-position.ts';
import type { Channel } from '../channels/connection.ts';

describe('StreamSeam', () => {
  it('queues while recovering, then sends what is at or past the floor, and drops what the recovery sent', () => {
    const sent: unknown[] = [];
    const seam = new StreamSeam((f) => sent.push(f), { frames: 10, bytes: 1000 });
    seam.live('a', 4n);
    seam.live('b', 5n);
    expect(sent).toEqual([]);
    seam.open(5n);
    expect(sent).toEqual(['b']);
    seam.live('a', 4n); // a lagging live reader
    seam.live('c', 6n);
    expect(sent).toEqual(['b', 'c']);
  });

  it('after a failed recovery (floor -1) every queued frame goes out', () => {
    const sent: unknown[] = [];
    const seam = new StreamSeam((f) => sent.push(f), { frames: 10, bytes: 1000 });
    seam.live('a', 0n);
    seam.open(-1n);
    expect(sent).toEqual(['a']);
  });

  it.each([[{ frames: 2, bytes: 1000 }], [{ frames: 10, bytes: 5 }]])('overflows past %j: frees the queue and says so once', (caps) => {
    const sent: unknown[] = [];
    let overflows = 0;
    const seam = new StreamSeam((f) => sent.push(f), caps);
    seam.onOverflow = () => overflows++;
    for (let i = 0n; i < 5n; i++) seam.live('abc', i);
    expect(seam.overflowed).toBe(true);
    expect(seam.queued).toBe(0);
    expect(overflows).toBe(1);
  });

  it('a fresh seam sends at once', () => {
    const sent: unknown[] = [];
    new StreamSeam((f) => sent.push(f), { frames: 1, bytes: 1 }, false).live('x', 0n);
    expect(sent).toEqual(['x']);
  });
});

describe('Semaphore', () => {
  it('runs up to its limit, queues a bounded number, refuses past it, hands slots on', async () => {
    const s = new Semaphore(1, 1);
    const first = await s.acquire()!;
    const second = s.acquire();
    expect(second).not.toBeNull();
    expect(s.acquire()).toBeNull();
    first();
    first(); // twice is once
    const release = await second!;
    expect(s.running).toBe(1);
    release();
    expect(s.running).toBe(0);
  });

  it('bounds one tenant to half the slots and half the line, while another tenant still runs', async () => {
    const s = new Semaphore(4, 8);
    const noisy = [await s.acquire('noisy')!, await s.acquire('noisy')!];
    const queued = Array.from({ length: 4 }, () => s.acquire('noisy'));
    expect(queued.every((q) => q !== null)).toBe(true);
    expect(s.acquire('noisy')).toBeNull(); // past its half of the line: refused at once
    expect(s.running).toBe(2); // and past its half of the slots it waits, free slots or not
    const quiet = [await s.acquire('quiet')!, await s.acquire('quiet')!]; // the other tenant gets the two left
    expect(s.running).toBe(4);
    const quietWaiting = s.acquire('quiet');
    expect(quietWaiting).not.toBeNull(); // its own place in the line
    // A quiet slot freed goes to quiet's waiter, past the noisy ones at the head of the line.
    quiet[0]!();
    const q3 = await quietWaiting!;
    expect(s.running).toBe(4);
    // A noisy slot freed goes to the oldest noisy waiter.
    noisy[0]!();
    const n3 = await queued[0]!;
    expect(s.waiting).toBe(3);
    for (const r of [noisy[1]!, n3, quiet[1]!, q3]) r();
    for (const q of queued.slice(1)) (await q!)();
    expect(s.running).toBe(0);
    expect(s.waiting).toBe(0);
  });

  it('with one slot a tenant still gets it', async () => {
    const s = new Semaphore(1, 2);
    const a = await s.acquire('a')!;
    const b = s.acquire('b');
    expect(b).not.toBeNull();
    expect(s.acquire('b')).toBeNull(); // half of a line of 2
    a();
    (await b!)();
    expect(s.running).toBe(0);
  });
});

describe('OwnSends', () => {
  const channel = {} as Channel;
  it('forgets after the TTL and past the cap, and answers once per id', () => {
    let now = 0;
    const sends = new OwnSends({ ttlMs: 100, max: 2, now: () => now });
    sends.remember('a', channel);
    expect(sends.take('a')).toBe(channel);
    expect(sends.take('a')).toBeUndefined();
    sends.remember('b', channel);
    now = 150;
    expect(sends.take('b')).toBeUndefined();
    for (const id of ['c', 'd', 'e']) sends.remember(id, channel);
    expect(sends.size).toBe(2);
    expect(sends.take('c')).toBeUndefined();
  });
});

describe('recover values', () => {
  it.each([
    [undefined, null], [null, null], [false, null], ['false', null],
    [true, { kind: 'fresh' }], ['true', { kind: 'fresh' }], [{}, { kind: 'fresh' }],
    [{ position: 'c0-12' }, { kind: 'position', text: 'c0-12' }],
    [{ position: 'b1-2', since: 5 }, { kind: 'position', text: 'b1-2' }],
    [{ since: 1_700_000_000_000 }, { kind: 'since', ms: 1_700_000_000_000 }],
    [{ since: '2026-11-30T10:00:00Z' }, { kind: 'since', ms: Date.parse('2026-11-30T10:00:00Z') }],
    [{ since: 'yesterday' }, { kind: 'invalid' }], [{ since: -1 }, { kind: 'invalid' }], [{ position: 7 }, { kind: 'invalid' }],
    ['abc', { kind: 'invalid' }], [3, { kind: 'invalid' }], [[1], { kind: 'invalid' }],
  ])('%j → %j', (value, expected) => {
    expect(parseRecover(value)).toEqual(expected);
  });

  it('positions round-trip and name their stream', () => {
    expect(parsePosition(positionText('c', { partition: 3, offset: 12345678901234n }), 'c')).toEqual({ partition: 3, offset: 12345678901234n });
    expect(parsePosition('c3-1', 'b')).toBeNull();
    expect(parsePosition('c3-', 'c')).toBeNull();
    expect(parsePosition(' c3-1', 'c')).toBeNull();
  });
});
