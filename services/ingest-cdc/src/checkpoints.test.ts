import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { recordHash, type ChainHead } from '@realtime/audit';
import { createLogger } from '@realtime/log';
import type { CdcCheckpoint } from '@realtime/schemas';
import { startCheckpointer } from './checkpoints.ts';

const silent = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const head = (seq: number): ChainHead => ({ hash: recordHash(Buffer.from(String(seq))), commitLsn: '0/10', commitLsnNum: 16, seq });
const sign = (tenant: string, h: ChainHead) => ({ tenant, seq: h.seq }) as unknown as CdcCheckpoint;

describe('chain checkpoints', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('signs the newest acknowledged head once per interval while it moves, and the last one at stop', async () => {
    const published: number[] = [];
    const c = startCheckpointer({ tenant: 't', intervalMs: 1000, sign, sink: { publish: async (cp) => void published.push(cp.seq) }, log: silent });
    c.advanced(head(1));
    c.advanced(head(2));
    await vi.advanceTimersByTimeAsync(1000);
    expect(published).toEqual([2]);
    await vi.advanceTimersByTimeAsync(3000); // the head did not move: nothing new to sign
    expect(published).toEqual([2]);
    c.advanced(head(3));
    await c.stop();
    expect(published).toEqual([2, 3]);
    c.advanced(head(4));
    await vi.advanceTimersByTimeAsync(5000); // stopped: no timer left
    expect(published).toEqual([2, 3]);
  });

  it('retries a head whose publish failed at the next tick', async () => {
    const published: number[] = [];
    let fail = true;
    const c = startCheckpointer({
      tenant: 't', intervalMs: 1000, sign, log: silent,
      sink: { publish: async (cp) => { if (fail) throw Object.assign(new Error('down'), { code: 'KafkaUnavailable' }); published.push(cp.seq); } },
    });
    c.advanced(head(7));
    await vi.advanceTimersByTimeAsync(1000);
    expect(published).toEqual([]);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(published).toEqual([7]);
    await c.stop();
    expect(published).toEqual([7]);
  });

  it('reports each checkpoint Kafka acknowledged and each failed publish (metrics)', async () => {
    let fail = true;
    const events: string[] = [];
    const c = startCheckpointer({
      tenant: 't', intervalMs: 1000, sign, log: silent,
      sink: { publish: async () => { if (fail) throw new Error('down'); } },
      onPublished: (h) => void events.push(`published ${h.seq}`),
      onFailed: () => void events.push('failed'),
    });
    c.advanced(head(5));
    await vi.advanceTimersByTimeAsync(1000);
    fail = false;
    c.advanced(head(6));
    await vi.advanceTimersByTimeAsync(1000);
    await c.stop();
    expect(events).toEqual(['failed', 'published 6']);
  });
});
