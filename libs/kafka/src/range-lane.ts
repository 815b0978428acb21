// The reads of one partition of a RangeReader (range-reader.ts), without kafkajs: the reads in the
// current pass share one scan of the partition, each record handed to every read whose range holds
// it; a read that starts behind the scan waits for the next pass, which starts at the smallest
// start of those waiting. So N clients recovering one busy channel cost one scan at a time, not N
// consumers. The lane drives its partition through LaneControl (seek / resume / pause).
import type { RangeRead, RangeRecord } from './range-read.ts';

/** What a lane needs of the consumer for its one partition. */
export interface LaneControl {
  seek(offset: bigint): void;
  resume(): void;
  pause(): void;
}

/** Fetched batches a lane holds before it pauses its partition (each up to the fetch's bytes per partition). */
export const LANE_BATCHES = 2;

interface FetchedBatch {
  pass: number;
  records: RangeRecord[];
  /** The batch covered [first, next): records, and the markers or aborted records filtered out. */
  first: bigint;
  next: bigint;
}

export class PartitionLane {
  /** Bumped at every new pass: a batch fetched for an older pass is stale. */
  pass = 0;
  /** The next offset the current pass needs. */
  position = 0n;
  private active: RangeRead[] = [];
  private waiting: RangeRead[] = [];
  private fetched: FetchedBatch[] = [];
  private pumping = false;
  /** Paused because LANE_BATCHES fetched batches wait. */
  private held = false;
  private readonly control: LaneControl;

  constructor(control: LaneControl) {
    this.control = control;
  }

  get busy(): boolean {
    return this.active.length > 0;
  }

  add(read: RangeRead): void {
    if (read.start >= read.end) return read.finish(false);
    if (!this.busy) {
      this.waiting.push(read);
      return this.next();
    }
    // ahead of the scan: it joins this pass; behind it: the next pass starts low enough for it
    if (read.start >= this.position) this.active.push(read);
    else this.waiting.push(read);
  }

  /** After a read settled from outside (timeout, abort, failure): forget it, move on if it was the last. */
  prune(): void {
    this.waiting = this.waiting.filter((r) => !r.settled);
    if (!this.busy) return;
    this.active = this.active.filter((r) => !r.settled);
    if (!this.busy) this.next();
  }

  /** After a group (re)join the partition starts paused and at no position: fetch again from the scan's. */
  rejoined(): void {
    this.fetched = [];
    this.held = false;
    if (!this.busy) return;
    this.control.seek(this.position);
    this.control.resume();
  }

  /**
   * A batch the consumer fetched for this partition, [first, next) (no records: only markers or
   * aborted records). Returns at once and is handled in the background, so that a slow onRecord
   * holds up its own partition only; with LANE_BATCHES waiting the partition pauses until they are
   * handled, which bounds memory.
   */
  offer(records: RangeRecord[], first: bigint, next: bigint): void {
    if (!this.busy) return;
    this.fetched.push({ pass: this.pass, records, first, next });
    if (this.fetched.length >= LANE_BATCHES && !this.held) {
      this.held = true;
      this.control.pause();
    }
    // only a failing seek / pause / resume can throw here (onRecord's throws fail their read)
    if (!this.pumping) this.pump().catch((err: unknown) => this.failAll(err));
  }

  /**
   * Hands one fetched record to each read of the pass whose range holds it, in the order they came.
   * False when the batch is stale (another pass started, or none is left): stop handing it on.
   */
  async deliver(record: RangeRecord, pass: number): Promise<boolean> {
    if (pass !== this.pass || !this.busy) return false;
    if (record.offset < this.position) return true;
    // taken by the scan now: a read that joins while onRecord runs starts after it, so it waits for
    // the next pass when it needs this record
    this.position = record.offset + 1n;
    for (const read of [...this.active]) {
      if (read.settled || record.offset < read.start || record.offset >= read.end) continue;
      await read.handle(record);
      if (pass !== this.pass) return false; // a timeout ended the pass while onRecord ran
    }
    this.complete();
    return pass === this.pass && this.busy;
  }

  /** Fails every read, running or waiting (the reader stops or crashed). */
  failAll(err: unknown): void {
    for (const read of [...this.active, ...this.waiting]) read.fail(err);
    this.active = [];
    this.waiting = [];
    this.fetched = [];
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let batch = this.fetched.shift(); batch; batch = this.fetched.shift()) {
        await this.handle(batch);
        if (this.held && this.fetched.length < LANE_BATCHES) {
          this.held = false;
          if (this.busy) this.control.resume();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async handle({ pass, records, first, next }: FetchedBatch): Promise<void> {
    for (const record of records) if (!(await this.deliver(record, pass))) return;
    // what the batch skipped (markers after its last record, aborted records) is seen too; the log
    // is immutable, so a batch that covers the position proves it whatever pass fetched it
    if (!this.busy || first > this.position || next <= this.position) return;
    this.position = next;
    this.complete();
  }

  /** Reads that end at the scan's position are complete. */
  private complete(): void {
    for (const read of this.active) if (read.end <= this.position) read.finish(false);
    this.prune();
  }

  /** Starts a pass at the smallest start of the reads waiting, or pauses the partition. */
  private next(): void {
    const reads = this.waiting.filter((r) => !r.settled);
    this.waiting = [];
    this.active = reads;
    this.fetched = [];
    this.held = false;
    if (reads.length === 0) return this.control.pause();
    this.pass += 1;
    this.position = reads.reduce((min, r) => (r.start < min ? r.start : min), reads[0]!.start);
    this.control.seek(this.position);
    this.control.resume();
  }
}
