// Replay progress: silent for a short replay, a line per interval with count and position for a long one.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { withProgress } from './progress.ts';

const change = (lsn: string): ChangeEvent => ({ ...sampleRecords.ChangeEvent, commit_lsn: lsn, commit_timestamp: Date.UTC(2026, 0, 1) * 1000 });

async function drain(source: AsyncIterable<ChangeEvent>): Promise<number> {
  let n = 0;
  for await (const _ of source) n++;
  return n;
}

afterEach(() => vi.useRealTimers());

describe('withProgress', () => {
  it('prints nothing for a replay that ends before the first interval', async () => {
    const lines: string[] = [];
    expect(await drain(withProgress((async function* () { yield change('0/1'); yield change('0/2'); })(), (l) => lines.push(l)))).toBe(2);
    expect(lines).toEqual([]);
  });

  it('reports the count and the commit reached while a long replay runs, then a summary', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const source = (async function* () { yield change('0/16B3748'); await gate; yield change('0/16B3750'); })();
    const done = drain(withProgress(source, (l) => lines.push(l), 1000));
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines).toEqual(['replay: 1 changes so far, at commit 0/16B3748 (2026-01-01T00:00:00.000000Z)\n']);
    release();
    expect(await done).toBe(2);
    expect(lines.at(-1)).toBe('replay: done, 2 changes\n');
  });
});
