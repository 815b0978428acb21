// The bounded queue between kafkajs's push and the replay's pull: order, backpressure, end, close.
import { describe, expect, it } from 'vitest';
import { Handoff } from './handoff.ts';

describe('Handoff', () => {
  it('delivers in order, then done after end()', async () => {
    const h = new Handoff<number>(10);
    await h.put(1);
    await h.put(2);
    h.end();
    expect(await h.put(3)).toBe(false);
    expect([await h.take(), await h.take(), await h.take()]).toEqual([{ done: false, value: 1 }, { done: false, value: 2 }, { done: true }]);
  });

  it('makes put wait while full', async () => {
    const h = new Handoff<number>(1);
    await h.put(1);
    let second = false;
    const pending = h.put(2).then(() => (second = true));
    await new Promise((r) => setImmediate(r)); // a turn of the event loop: put would have resolved by now
    expect(second).toBe(false);
    expect(await h.take()).toEqual({ done: false, value: 1 });
    await pending;
    expect(await h.take()).toEqual({ done: false, value: 2 });
  });

  it('throws an end error after the buffered items', async () => {
    const h = new Handoff<number>(5);
    await h.put(1);
    h.end(new Error('boom'));
    expect(await h.take()).toEqual({ done: false, value: 1 });
    await expect(h.take()).rejects.toThrow('boom');
  });

  it('releases waiting takers and putters on close', async () => {
    const h = new Handoff<number>(1);
    const taking = h.take();
    h.close();
    expect(await taking).toEqual({ done: true });
    expect(await h.put(1)).toBe(false);
  });
});
