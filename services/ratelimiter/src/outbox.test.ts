// The outbox against a fake of our own DecisionSink: latest per key, one send at a time, retries
// that keep a newer record, and a close that does not hang on a dead Kafka.
import { describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import type { Emitted } from './core/aggregate.ts';
import { DecisionOutbox } from './outbox.ts';
import type { DecisionSink } from './ports.ts';

const rec = (tenant: string, throttled: boolean, at: number): Emitted => ({
  tenant, limit: 'events_per_second', kind: 'change',
  decision: { tenant, limit: 'events_per_second', throttled, rate: 1, max: 1, until: null, decided_at: at },
});
const summary = (batch: Emitted[]) => batch.map((r) => `${r.tenant}:${r.decision?.throttled}`);

/** A sink whose sends wait until release() and fail while `failing`. */
function gatedSink() {
  const batches: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const sink: DecisionSink & { failing: boolean } = {
    failing: false,
    async publish(records) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate;
      inFlight--;
      if (sink.failing) throw new Error('kafka down');
      batches.push(summary(records));
    },
  };
  return { sink, batches, maxInFlight: () => maxInFlight, release: () => open(), hold: () => (gate = new Promise<void>((r) => (open = r))) };
}

describe('DecisionOutbox', () => {
  it('sends one batch at a time and only the latest record of each key', async () => {
    const s = gatedSink();
    const outbox = new DecisionOutbox({ sink: s.sink, onError: () => {} });
    outbox.push([rec('a', true, 1)]);
    outbox.push([rec('b', true, 2), rec('c', true, 3)]);
    outbox.push([rec('b', false, 4)]);
    s.release();
    await waitFor(() => expect(s.batches).toEqual([['a:true'], ['c:true', 'b:false']]));
    expect(s.maxInFlight()).toBe(1);
    await outbox.close();
  });

  it('retries a failed batch, keeping a newer record queued meanwhile', async () => {
    const s = gatedSink();
    const errors: number[] = [];
    const outbox = new DecisionOutbox({ sink: s.sink, retryMs: 10, onError: (_e, n) => errors.push(n) });
    s.sink.failing = true;
    outbox.push([rec('a', true, 1), rec('b', true, 2)]);
    outbox.push([rec('a', false, 3)]);
    s.release();
    await waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(1));
    s.sink.failing = false;
    await waitFor(() => expect(s.batches.flat().sort()).toEqual(['a:false', 'b:true']));
    expect(outbox.pending).toBe(0);
    await outbox.close();
  });

  it('closes without waiting for a Kafka that keeps failing, and then ignores pushes', async () => {
    const s = gatedSink();
    const outbox = new DecisionOutbox({ sink: s.sink, retryMs: 10_000, onError: () => {} });
    s.sink.failing = true;
    outbox.push([rec('a', true, 1)]);
    s.release();
    await outbox.close();
    outbox.push([rec('b', true, 2)]);
    expect(outbox.pending).toBe(0);
  });
});
