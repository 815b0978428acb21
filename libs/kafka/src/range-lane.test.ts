// The scan sharing of one partition's range reads, driven by hand: records are fed as the consumer
// would fetch them after the seeks the lane asked for.
import { describe, expect, it } from 'vitest';
import { LANE_BATCHES, PartitionLane } from './range-lane.ts';
import { RangeRead, type OnRangeRecord, type RangeRecord } from './range-read.ts';

function lane() {
  const calls: string[] = [];
  const l = new PartitionLane({ seek: (o) => calls.push(`seek ${o}`), resume: () => calls.push('resume'), pause: () => calls.push('pause') });
  return { lane: l, calls };
}
const rec = (offset: number): RangeRecord => ({ offset: BigInt(offset), key: null, value: Buffer.from(String(offset)), timestamp: offset });
function collecting(start: number, end: number, onRecord?: OnRangeRecord) {
  const seen: number[] = [];
  const read = new RangeRead(BigInt(start), BigInt(end), (r) => (seen.push(Number(r.offset)), onRecord?.(r)));
  return { read, seen };
}
/** Lets the lane's background handling of offered batches run (handlers here settle at once). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Feeds offsets from..to-1 as fetched records of the lane's current pass, as long as it wants them. */
async function feed(l: PartitionLane, from: number, to: number): Promise<void> {
  const pass = l.pass;
  for (let o = from; o < to; o++) if (!(await l.deliver(rec(o), pass))) return;
}

describe('PartitionLane', () => {
  it('reads exactly [start, end), resolves at end-1 and pauses the partition', async () => {
    const { lane: l, calls } = lane();
    const { read, seen } = collecting(5, 8);
    l.add(read);
    expect(calls).toEqual(['seek 5', 'resume']);
    await feed(l, 5, 20);
    expect(await read.result).toEqual({ last: 7n, stopped: false });
    expect(seen).toEqual([5, 6, 7]);
    expect(calls.at(-1)).toBe('pause');
    expect(l.busy).toBe(false);
  });

  it('resolves an empty range at once without touching the partition', async () => {
    const { lane: l, calls } = lane();
    const { read } = collecting(4, 4);
    l.add(read);
    expect(await read.result).toEqual({ last: null, stopped: false });
    expect(calls).toEqual([]);
  });

  it('shares one scan between overlapping reads: a read ahead of the scan joins it, each gets its own range', async () => {
    const { lane: l, calls } = lane();
    const a = collecting(10, 20);
    const b = collecting(15, 25);
    l.add(a.read);
    await feed(l, 10, 13);
    l.add(b.read); // 15 >= position 13: joins the running pass
    await feed(l, 13, 30);
    expect(a.seen).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(b.seen).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    expect(await b.read.result).toEqual({ last: 24n, stopped: false });
    expect(calls).toEqual(['seek 10', 'resume', 'pause']);
  });

  it('queues reads behind the scan and runs them in one pass from the smallest start', async () => {
    const { lane: l, calls } = lane();
    const a = collecting(10, 12);
    const b = collecting(3, 6);
    const c = collecting(5, 7);
    l.add(a.read);
    await feed(l, 10, 11);
    l.add(b.read);
    l.add(c.read);
    await feed(l, 11, 30); // the first pass ends at 11, the lane seeks back for b and c
    expect(calls).toEqual(['seek 10', 'resume', 'seek 3', 'resume']);
    await feed(l, 3, 30);
    expect(b.seen).toEqual([3, 4, 5]);
    expect(c.seen).toEqual([5, 6]);
    expect(await c.read.result).toEqual({ last: 6n, stopped: false });
    expect(calls.at(-1)).toBe('pause');
  });

  it("ends a read at 'stop' (that record counted as handled) while the others go on", async () => {
    const { lane: l } = lane();
    const a = collecting(0, 10, (r) => (r.offset === 2n ? 'stop' : undefined));
    const b = collecting(0, 5);
    l.add(a.read);
    l.add(b.read);
    await feed(l, 0, 10);
    expect(await a.read.result).toEqual({ last: 2n, stopped: true });
    expect(a.seen).toEqual([0, 1, 2]);
    expect(await b.read.result).toEqual({ last: 4n, stopped: false });
  });

  it('fails only the read whose onRecord throws', async () => {
    const { lane: l } = lane();
    const a = collecting(0, 3, (r) => { if (r.offset === 1n) throw new Error('handler broke'); });
    const b = collecting(0, 3);
    l.add(a.read);
    l.add(b.read);
    await feed(l, 0, 3);
    await expect(a.read.result).rejects.toThrow('handler broke');
    expect(await b.read.result).toEqual({ last: 2n, stopped: false });
  });

  it('a read settled from outside releases the scan from its hung onRecord and the next pass starts', async () => {
    const { lane: l, calls } = lane();
    const hung = collecting(0, 5, () => new Promise<void>(() => {}));
    l.add(hung.read);
    const next = collecting(0, 2);
    l.add(next.read); // 0 >= position 0: joins the pass
    const later = collecting(0, 1);
    const delivering = l.deliver(rec(0), l.pass);
    l.add(later.read); // record 0 is being handed out: waits for the next pass
    hung.read.fail(new Error('timed out'));
    l.prune();
    await delivering;
    await feed(l, 1, 5);
    await expect(hung.read.result).rejects.toThrow('timed out');
    expect(await next.read.result).toEqual({ last: 1n, stopped: false });
    expect(calls).toEqual(['seek 0', 'resume', 'seek 0', 'resume']);
    await feed(l, 0, 5);
    expect(await later.read.result).toEqual({ last: 0n, stopped: false });
    expect(calls.at(-1)).toBe('pause');
  });

  it('stops handing on a batch of an older pass', async () => {
    const { lane: l } = lane();
    const a = collecting(0, 2);
    l.add(a.read);
    const old = l.pass;
    await feed(l, 0, 2);
    const b = collecting(0, 2);
    l.add(b.read);
    expect(await l.deliver(rec(5), old)).toBe(false);
    expect(b.seen).toEqual([]);
  });

  it('finishes a read whose last offsets hold only invisible records (markers, aborted records)', async () => {
    const { lane: l } = lane();
    const a = collecting(0, 6);
    l.add(a.read);
    l.offer([rec(0), rec(1), rec(2)], 0n, 4n); // a batch ending in a marker at 3
    await settle();
    expect(a.read.settled).toBe(false);
    l.offer([], 5n, 9n); // does not cover position 4: proves nothing about 4
    await settle();
    expect(a.read.settled).toBe(false);
    l.offer([], 4n, 9n);
    expect(await a.read.result).toEqual({ last: 2n, stopped: false });
    expect(a.seen).toEqual([0, 1, 2]);
  });

  it('hands fetched batches on in the background, pausing the partition while LANE_BATCHES wait', async () => {
    const { lane: l, calls } = lane();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = collecting(0, 10, (r) => (r.offset === 0n ? gate : undefined));
    l.add(a.read);
    l.offer([rec(0), rec(1)], 0n, 2n); // its handler waits on the gate
    for (let b = 0; b < LANE_BATCHES; b++) l.offer([rec(2 + 2 * b), rec(3 + 2 * b)], BigInt(2 + 2 * b), BigInt(4 + 2 * b));
    expect(calls).toEqual(['seek 0', 'resume', 'pause']);
    release();
    await settle();
    expect(calls).toEqual(['seek 0', 'resume', 'pause', 'resume']);
    expect(a.seen).toEqual(Array.from({ length: 2 + 2 * LANE_BATCHES }, (_, i) => i));
  });

  it('fails the reads of the lane when the consumer refuses a pause or resume', async () => {
    let broken = false;
    const l = new PartitionLane({ seek: () => {}, resume: () => { if (broken) throw new Error('consumer gone'); }, pause: () => {} });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = collecting(0, 10, () => gate);
    l.add(a.read);
    for (let b = 0; b <= LANE_BATCHES; b++) l.offer([rec(b)], BigInt(b), BigInt(b + 1)); // held: paused
    broken = true;
    release();
    await expect(a.read.result).rejects.toThrow('consumer gone');
    expect(l.busy).toBe(false);
  });

  it('after a rejoin seeks a running pass back to its position; an idle lane stays paused', async () => {
    const { lane: l, calls } = lane();
    l.rejoined();
    expect(calls).toEqual([]);
    const a = collecting(0, 9);
    l.add(a.read);
    await feed(l, 0, 4);
    l.rejoined();
    expect(calls).toEqual(['seek 0', 'resume', 'seek 4', 'resume']);
  });

  it('fails every read on failAll', async () => {
    const { lane: l } = lane();
    const a = collecting(0, 9);
    const b = collecting(0, 3);
    l.add(a.read);
    await feed(l, 0, 4);
    l.add(b.read);
    l.failAll(new Error('stopped'));
    await expect(a.read.result).rejects.toThrow('stopped');
    await expect(b.read.result).rejects.toThrow('stopped');
    expect(l.busy).toBe(false);
  });
});
