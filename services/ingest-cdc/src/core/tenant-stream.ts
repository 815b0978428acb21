// One tenant's WAL → Kafka pipeline. Raw pgoutput messages go through the pure assembler; each
// committed transaction becomes ChangeEvents (realtime.cdc) and, for realtime.messages rows,
// broadcasts (realtime.broadcast). Invariant: a transaction's end LSN is confirmed to Postgres
// only after Kafka acknowledged it and every transaction before it. Publishing is pipelined (the
// sink batches) and bounded by `maxInFlight` so a slow Kafka pushes back on the WAL stream. Once a
// publish failed, no later transaction goes to the sink: the restarted stream replays from the slot,
// and a later transaction published meanwhile would reach Kafka before that replay (out of order).
// A change the assembler could not understand is missing from its transaction, so neither that
// transaction nor any later one may be published or confirmed: the stream stops taking WAL, lets
// what came before land and be confirmed (the last good commit), then reports itself dead with
// an AssemblyFailed error; the slot keeps the WAL from the failed change on for a retry or a fix.
// Each acknowledged transaction is reported to onPublished with its commit timestamp, for metrics:
// the caller holds the clock, this file stays pure.
// Every change is linked into the tenant's hash chain (libs/audit, docs/ARCHITECTURE.md "Audit
// trail") here, in receive order, which is the order the sink writes. The chain continues from the
// head Kafka holds (read when the stream starts: after a restart or a hand-over this stream cannot
// know what the last one managed to write), and changes at or before that head are not sent again:
// Kafka already has them, and a second copy linked anew would fork the chain.
import { comparePositions, linkChanges, type ChainHead, type Linked } from '@realtime/audit';
import { encode, type ChangeEvent } from '@realtime/schemas';
import type { AssemblerError, AssemblerState, Transaction } from './assembler.ts';
import { initialState, stepBytes } from './assembler.ts';
import { transactionToChangeEvents } from './to-change-event.ts';
import { isMessagesRow, messagesBroadcasts, type BroadcastSkip } from './messages-broadcast.ts';
import { BroadcastRate } from './broadcast-rate.ts';
import type { ChangeSink, LsnConfirmer } from '../ports.ts';

export interface TenantStreamOptions {
  tenant: string;
  nodeId: string;
  sink: ChangeSink;
  confirmer: LsnConfirmer;
  maxRecordBytes: number;
  /** Database broadcasts with a larger payload are skipped, like the gateways' size check. */
  maxPayloadBytes?: number;
  /** Database broadcasts per second of commit time beyond this are skipped (max_events_per_second). */
  maxBroadcastsPerSecond?: number;
  /** Largest ChangeEvent the cdc topic takes (to-change-event.ts); bigger ones get the 413 form. */
  maxEventBytes?: number;
  /**
   * Transactions published and not yet acknowledged before receive() waits (default 10,000: a
   * backlog of small transactions fills Kafka requests of ~2,000 records while the last one is
   * acknowledged; memory is bounded by maxInFlightChanges).
   */
  maxInFlight?: number;
  /** Changes published and not yet acknowledged before receive() waits (memory bound in changes). */
  maxInFlightChanges?: number;
  /** Changes of one transaction held before they go out as a piece (assembler.ts). */
  maxHeldChanges?: number;
  /**
   * Reads the tenant chain's head as Kafka holds it (ports.ts ChainHeadReader); called once, when
   * the slot is ours (prefetchChainHead) or at the first change, which is awaited on it. Default: a new chain.
   */
  chainHead?: () => Promise<ChainHead | null>;
  /**
   * Benchmark only (scripts/bench/ingest-core.ts measures what the chain costs): false encodes
   * each change with prev_hash null and hashes nothing. No setting reaches it; the service always chains.
   */
  hashChain?: false;
  /** Kafka acknowledged the tenant's chain up to `head` (what checkpoints sign). */
  onChainAcked?(head: ChainHead): void;
  onErrors(errors: AssemblerError[]): void;
  /** Kafka or confirm failed: the stream is dead and must be restarted from the slot. */
  onFatal(err: unknown): void;
  /** Kafka acknowledged a transaction's events (for metrics; the caller owns the clock). */
  onPublished?(txn: { commitTimestampUs: bigint; changes: number; broadcasts: number }): void;
  /** The realtime.messages rows of one transaction left out of realtime.broadcast (the rest goes on). */
  onBroadcastsSkipped?(skips: BroadcastSkip[]): void;
}

export class TenantStream {
  readonly #o: TenantStreamOptions;
  #state: AssemblerState = initialState();
  #tail: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #inFlightChanges = 0;
  #failed = false;
  /** Resolves the receive() waiting for room in flight (#wakeReceiver). */
  #resume: (() => void) | null = null;
  #publishFailed = false;
  readonly #rate: BroadcastRate | null;
  #assemblyFailed = false;
  /** undefined until the head Kafka holds was read. */
  #head: ChainHead | null | undefined = undefined;
  #headRead: Promise<ChainHead | null> | undefined;
  confirmedLsn: string | null = null;

  constructor(options: TenantStreamOptions) {
    this.#o = options;
    this.#rate = options.maxBroadcastsPerSecond === undefined ? null : new BroadcastRate(options.maxBroadcastsPerSecond);
  }

  /**
   * Takes the next pgoutput message. Returns a promise only when the caller must wait before the
   * next one (the chain head is being read, or too much is in flight): most messages cost no
   * promise and no event-loop hop (bench P4).
   */
  receive(bytes: Buffer): Promise<void> | undefined {
    if (this.#failed || this.#publishFailed || this.#assemblyFailed) return;
    const { state, emitted, errors } = stepBytes(this.#state, bytes, this.#o.maxHeldChanges);
    this.#state = state;
    if (errors.length > 0) {
      this.#assemblyFailed = true;
      this.#o.onErrors(errors);
      this.#tail.then(() => this.#fatal(new AssemblyFailed(errors)), () => {});
      return;
    }
    return emitted.length > 0 ? this.#publishFrom(emitted, 0) : undefined;
  }

  #publishFrom(emitted: Transaction[], from: number): Promise<void> | undefined {
    for (let i = from; i < emitted.length; i++) {
      // the first change waits for the head Kafka holds (read once per stream)
      if (this.#head === undefined) return this.#loadHead().then((ok) => (ok ? this.#publishFrom(emitted, i) : undefined));
      this.#publish(emitted[i]!);
    }
    if (this.#overLimit(1)) return new Promise<void>((resolve) => (this.#resume = resolve));
    return undefined;
  }

  /** In flight at or over `fraction` of either bound (maxInFlight, maxInFlightChanges). */
  #overLimit(fraction: number): boolean {
    return this.#inFlight >= (this.#o.maxInFlight ?? 10_000) * fraction || this.#inFlightChanges >= (this.#o.maxInFlightChanges ?? 20_000) * fraction;
  }

  /**
   * A receive() waiting at the bound goes on once half of it is free (or the stream failed), not
   * when everything landed: the WAL keeps coming while Kafka acknowledges the rest.
   */
  #wakeReceiver(force: boolean) {
    if (!this.#resume || (!force && this.#overLimit(0.5))) return;
    const resume = this.#resume;
    this.#resume = null;
    resume();
  }

  #publish(txn: Transaction): void {
    const events = transactionToChangeEvents(txn, this.#o.tenant, { maxRecordBytes: this.#o.maxRecordBytes, maxEventBytes: this.#o.maxEventBytes });
    const { broadcasts, skipped } = messagesBroadcasts(events, this.#o.nodeId, this.#o.maxPayloadBytes);
    const fit = this.#rate?.admit(txn.commitTimestampUs, broadcasts.length) ?? broadcasts.length;
    for (const b of broadcasts.splice(fit)) skipped.push({ reason: 'rate_limited', id: b.id, topicPrefix: b.topic.slice(0, 64) });
    if (skipped.length > 0) this.#o.onBroadcastsSkipped?.(skipped);
    const linked = this.#link(events.filter((e) => !isMessagesRow(e)));
    const changes = linked.events;
    const published = changes.length + broadcasts.length > 0 ? this.#o.sink.publish({ changes, changeBytes: linked.bytes, broadcasts }) : Promise.resolve();
    // Stop publishing at once (the chain below reports the failure a few ticks later).
    const acked = { commitTimestampUs: txn.commitTimestampUs, changes: changes.length, broadcasts: broadcasts.length };
    const head = linked.head;
    published.then(() => {
      if (acked.changes + acked.broadcasts > 0) this.#o.onPublished?.(acked);
      if (acked.changes > 0 && head) this.#o.onChainAcked?.(head);
    }, () => (this.#publishFailed = true));
    this.#inFlight++;
    this.#inFlightChanges += txn.changes.length;
    this.#tail = this.#tail
      .then(() => published)
      // A piece of a large transaction is published in order but confirmed only with its end.
      .then(() => (txn.partial ? undefined : this.#o.confirmer.confirm(txn.endLsn)))
      .then(() => {
        if (!txn.partial) this.confirmedLsn = txn.endLsn;
        this.#inFlight--;
        this.#inFlightChanges -= txn.changes.length;
        this.#wakeReceiver(false);
      });
    this.#tail.catch((err: unknown) => (this.#fatal(err), this.#wakeReceiver(true)));
  }

  /** Starts reading the chain head early; the slot must be ours already (see chainHead). */
  prefetchChainHead(): void {
    this.#readHead().catch(() => {}); // a failure surfaces at the first change
  }

  #readHead(): Promise<ChainHead | null> {
    return (this.#headRead ??= this.#o.chainHead?.() ?? Promise.resolve(null));
  }

  /** Reads the chain head; false when it could not be read (the stream is dead). */
  async #loadHead(): Promise<boolean> {
    try {
      this.#head = await this.#readHead();
      return true;
    } catch (err) {
      this.#fatal(err);
      return false;
    }
  }

  /** Links the changes after the chain head (read already: #loadHead). */
  #link(changes: ChangeEvent[]): Linked {
    if (this.#o.hashChain === false) return { events: changes, bytes: changes.map((c) => encode('ChangeEvent', c)), head: null };
    const head = this.#head ?? null;
    const fresh = head ? changes.filter((c) => comparePositions({ commitLsnNum: c.commit_lsn_num, seq: c.seq }, head) > 0) : changes;
    const linked = linkChanges(head, fresh);
    this.#head = linked.head;
    return linked;
  }

  #fatal(err: unknown) {
    if (this.#failed) return;
    this.#failed = true;
    this.#o.onFatal(err);
  }

  /** Resolves when everything received so far is published and confirmed (or has failed). */
  drain(): Promise<void> {
    return this.#tail.catch(() => {});
  }
}

/** The stream stopped at WAL it could not understand; `errors` say what (codes of transaction.ts). */
export class AssemblyFailed extends Error {
  override name = 'AssemblyFailed';
  readonly errors: AssemblerError[];
  constructor(errors: AssemblerError[]) {
    super(`WAL not understood: ${errors.map((e) => `${e.code} (${e.message})`).join('; ')}`);
    this.errors = errors;
  }
}
