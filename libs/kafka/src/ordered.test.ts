import { describe, expect, it } from 'vitest';
import { orderedBatches } from './ordered.ts';

describe('orderedBatches', () => {
  it('keeps order, sends one batch at a time and batches what arrives meanwhile', async () => {
    const sent: number[][] = [];
    let inFlight = 0;
    const send = orderedBatches(async (batch: number[]) => {
      expect(++inFlight).toBe(1);
      await new Promise((r) => setImmediate(r)); // a send that takes a turn of the event loop
      sent.push(batch);
      inFlight--;
    });
    await Promise.all([1, 2, 3, 4, 5].map((n) => send(n)));
    expect(sent.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(sent).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('rejects the items of a failed batch and carries on with the next', async () => {
    let calls = 0;
    const send = orderedBatches(async () => {
      if (calls++ === 0) throw new Error('broker down');
    });
    const first = send('a');
    const second = send('b');
    await expect(first).rejects.toThrow('broker down');
    await expect(second).resolves.toBeUndefined();
  });

  it("with queuedOnFailure 'reject', fails what was queued behind a failed batch, unsent, then carries on", async () => {
    const sent: string[][] = [];
    const send = orderedBatches(async (batch: string[]) => {
      await new Promise((r) => setImmediate(r)); // a send that takes a turn of the event loop
      if (batch.includes('b')) throw new Error('message too large');
      sent.push(batch);
    }, { queuedOnFailure: 'reject' });
    const outcome = (p: Promise<void>) => p.then(() => 'ok', (e: Error) => e.message);
    const a = outcome(send('a'));
    const b = outcome(send('b'));
    expect(await a).toBe('ok'); // now ['b'] is in flight
    const queued = ['c', 'd'].map((x) => outcome(send(x)));
    expect(await b).toBe('message too large');
    expect(await Promise.all(queued)).toEqual(['message too large', 'message too large']);
    await expect(send('e')).resolves.toBeUndefined(); // after the failure: a new batch
    expect(sent).toEqual([['a'], ['e']]);
  });
});

describe('orderedBatches, bounded and per item', () => {
  it('settles each item of a batch alone when sendBatch reports item failures', async () => {
    const send = orderedBatches(async (batch: string[]) => ({ itemErrors: batch.map((s) => (s === 'bad' ? new Error('too large') : undefined)) }));
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((s) => send(s)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('refuses items past the queue limit while a send hangs, and accepts again once it drained', async () => {
    let release = () => {};
    const sent: number[] = [];
    let full = 0;
    const send = orderedBatches(async (batch: number[]) => {
      if (batch[0] === 0) await new Promise<void>((r) => (release = r));
      sent.push(...batch);
    }, { queueLimit: { items: 3, bytes: 1_000_000, sizeOf: () => 1, onFull: () => full++ } });
    const first = send(0); // in flight, hanging like a send to a stopped broker
    const queued = [1, 2, 3].map((n) => send(n));
    const refused = await Promise.allSettled([4, 5].map((n) => send(n)));
    expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'KafkaUnavailable', retryable: true });
    expect(full).toBe(2);
    release();
    await Promise.all([first, ...queued]);
    await send(6);
    expect(sent).toEqual([0, 1, 2, 3, 6]);
  });

  it('bounds the queue in bytes too', async () => {
    let release = () => {};
    const send = orderedBatches(async (batch: string[]) => {
      if (batch[0] === 'hang') await new Promise<void>((r) => (release = r));
    }, { queueLimit: { items: 1000, bytes: 10, sizeOf: (s: string) => s.length } });
    const first = send('hang');
    const ok = send('12345678');
    await expect(send('123')).rejects.toMatchObject({ code: 'KafkaUnavailable' });
    release();
    await Promise.all([first, ok]);
  });
});
