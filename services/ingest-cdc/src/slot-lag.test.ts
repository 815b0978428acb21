import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { waitFor } from '@realtime/testing';
import { startSlotLagSampler } from './slot-lag.ts';

function recordingLog() {
  const lines: Array<{ code?: string }> = [];
  const log = createLogger({ service: 'test', destination: new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }) });
  return { log, lines };
}

afterEach(() => void vi.useRealTimers());

describe('slot lag sampler', () => {
  it('samples at once and then every interval, skips a missing slot and closes the reader on stop', async () => {
    const answers: Array<number | null> = [null, 100, 250];
    let reads = 0;
    let closed = false;
    const seen: number[] = [];
    // Vitest's fake timers are the clock: samples at 0, 5 and 10 ms without real sleeps.
    vi.useFakeTimers();
    const sampler = startSlotLagSampler({
      reader: { read: async () => answers[Math.min(reads++, answers.length - 1)]!, close: async () => void (closed = true) },
      intervalMs: 5, onLag: (b) => void seen.push(b), log: recordingLog().log,
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(seen.slice(0, 2)).toEqual([100, 250]);
    await sampler.stop();
    const count = seen.length;
    await vi.advanceTimersByTimeAsync(20);
    expect(seen).toHaveLength(count);
    expect(closed).toBe(true);
  });

  it('logs a failing check once per streak and keeps sampling', async () => {
    const { log, lines } = recordingLog();
    const answers: Array<() => number> = [() => { throw new Error('down'); }, () => { throw new Error('down'); }, () => 7, () => { throw new Error('down'); }];
    const seen: number[] = [];
    const sampler = startSlotLagSampler({
      reader: { read: async () => (answers.shift() ?? (() => 8))(), close: async () => {} },
      intervalMs: 2, onLag: (b) => void seen.push(b), log,
    });
    await waitFor(() => expect(seen).toContain(8));
    await sampler.stop();
    expect(seen[0]).toBe(7);
    expect(lines.filter((l) => l.code === 'ReplicationSlotLagCheckSkipped')).toHaveLength(2);
  });
});
