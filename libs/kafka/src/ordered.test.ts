import { describe, expect, it } from 'vitest';
import { orderedBatches } from './ordered.ts';

describe('orderedBatches', () => {
  it('keeps order, sends one batch at a time and batches what arrives meanwhile', async () => {
    const sent: number[][] = [];
    let inFlight = 0;
    const send = orderedBatches(async (batch: number[]) => {
      expect(++inFlight).toBe(1);
      await new Promise((r) => setTimeout(r, 5));
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
      await new Promise((r) => setTimeout(r, 5));
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
