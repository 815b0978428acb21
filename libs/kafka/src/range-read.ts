// One caller's read of a RangeReader (range-reader.ts) and the types it hands on.

export interface RangeRecord {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** Record timestamp, ms since the epoch. */
  timestamp: number;
}

export type OnRangeRecord = (r: RangeRecord) => void | 'stop' | Promise<void | 'stop'>;

export interface RangeResult {
  /** Offset of the last record handed to onRecord (the one that answered 'stop' included). */
  last: bigint | null;
  stopped: boolean;
}

/** One caller's read of [start, end): settles once, from the lane or from outside (timeout, abort). */
export class RangeRead {
  start: bigint;
  end: bigint;
  readonly result: Promise<RangeResult>;
  private readonly onRecord: OnRangeRecord;
  private last: bigint | null = null;
  private done = false;
  private resolve!: (r: RangeResult) => void;
  private reject!: (err: unknown) => void;
  /** Set while awaiting onRecord: settling from outside releases the scan from a hung handler. */
  private release: (() => void) | undefined;
  private readonly cleanups: Array<() => void> = [];

  constructor(start: bigint, end: bigint, onRecord: OnRangeRecord) {
    this.start = start;
    this.end = end;
    this.onRecord = onRecord;
    this.result = new Promise((resolve, reject) => ((this.resolve = resolve), (this.reject = reject)));
  }

  get settled(): boolean {
    return this.done;
  }

  /** Before the read joins its lane: [start, end) within [low, high), what the partition holds now. */
  clamp(low: bigint, high: bigint): void {
    if (this.start < low) this.start = low;
    if (this.end > high) this.end = high;
  }

  /** Runs when the read settles, however it does (clears its timer, its abort listener). */
  onSettle(cleanup: () => void): void {
    if (this.done) cleanup();
    else this.cleanups.push(cleanup);
  }

  finish(stopped: boolean): void {
    if (this.settle()) this.resolve({ last: this.last, stopped });
  }

  fail(err: unknown): void {
    if (this.settle()) this.reject(err);
  }

  /** Hands a record on; a throw from onRecord fails this read only. */
  async handle(record: RangeRecord): Promise<void> {
    let verdict: void | 'stop';
    try {
      const out = this.onRecord(record);
      verdict = isThenable(out) ? await new Promise<void | 'stop'>((resolve, reject) => {
        this.release = resolve;
        out.then(resolve, reject);
      }) : out;
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      this.release = undefined;
    }
    if (this.done) return;
    this.last = record.offset;
    if (verdict === 'stop') this.finish(true);
  }

  private settle(): boolean {
    if (this.done) return false;
    this.done = true;
    this.release?.();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    return true;
  }
}

function isThenable(x: unknown): x is PromiseLike<void | 'stop'> {
  return typeof (x as PromiseLike<unknown> | undefined)?.then === 'function';
}
