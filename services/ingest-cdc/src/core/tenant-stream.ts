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
import type { AssemblerError, AssemblerState } from './assembler.ts';
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
  maxInFlight?: number;
  /** Changes published and not yet acknowledged before receive() waits (memory bound in changes). */
  maxInFlightChanges?: number;
  /** Changes of one transaction held before they go out as a piece (assembler.ts). */
  maxHeldChanges?: number;
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
  #publishFailed = false;
  readonly #rate: BroadcastRate | null;
  #assemblyFailed = false;
  confirmedLsn: string | null = null;

  constructor(options: TenantStreamOptions) {
    this.#o = options;
    this.#rate = options.maxBroadcastsPerSecond === undefined ? null : new BroadcastRate(options.maxBroadcastsPerSecond);
  }

  async receive(bytes: Buffer): Promise<void> {
    if (this.#failed || this.#publishFailed || this.#assemblyFailed) return;
    const { state, emitted, errors } = stepBytes(this.#state, bytes, this.#o.maxHeldChanges);
    this.#state = state;
    if (errors.length > 0) {
      this.#assemblyFailed = true;
      this.#o.onErrors(errors);
      this.#tail.then(() => this.#fatal(new AssemblyFailed(errors)), () => {});
      return;
    }
    for (const txn of emitted) {
      const events = transactionToChangeEvents(txn, this.#o.tenant, { maxRecordBytes: this.#o.maxRecordBytes, maxEventBytes: this.#o.maxEventBytes });
      const { broadcasts, skipped } = messagesBroadcasts(events, this.#o.nodeId, this.#o.maxPayloadBytes);
      const fit = this.#rate?.admit(txn.commitTimestampUs, broadcasts.length) ?? broadcasts.length;
      for (const b of broadcasts.splice(fit)) skipped.push({ reason: 'rate_limited', id: b.id, topicPrefix: b.topic.slice(0, 64) });
      if (skipped.length > 0) this.#o.onBroadcastsSkipped?.(skipped);
      const changes = events.filter((e) => !isMessagesRow(e));
      const published = changes.length + broadcasts.length > 0 ? this.#o.sink.publish({ changes, broadcasts }) : Promise.resolve();
      // Stop publishing at once (the chain below reports the failure a few ticks later).
      const acked = { commitTimestampUs: txn.commitTimestampUs, changes: changes.length, broadcasts: broadcasts.length };
      published.then(() => acked.changes + acked.broadcasts > 0 && this.#o.onPublished?.(acked), () => (this.#publishFailed = true));
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
        });
      this.#tail.catch((err: unknown) => this.#fatal(err));
    }
    if (this.#inFlight >= (this.#o.maxInFlight ?? 1000) || this.#inFlightChanges >= (this.#o.maxInFlightChanges ?? 20_000)) await this.#tail.catch(() => {});
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
