// One tenant's changes waiting for the fan-out on this gateway, bounded in bytes (style.md §16).
// The bound covers the queued events AND the batch being checked, because a batch held by a slow
// tenant database is memory too. At the bound the queue refuses: the caller drops the change and
// tells the tenant's subscribers (fanout.ts); nothing here ever waits, so the shared realtime.cdc
// consumer never waits for one tenant.
import type { ChangeEvent } from '@realtime/schemas';

/** Fixed cost of an event beyond its JSON texts (object, columns, strings): an estimate. */
const EVENT_OVERHEAD = 256;

/** Approximate memory of one event: its row texts plus a fixed overhead. */
export function changeBytes(e: ChangeEvent): number {
  return EVENT_OVERHEAD + (e.record_json?.length ?? 0) + (e.old_record_json?.length ?? 0) + e.columns.length * 32;
}

export class TenantQueue {
  readonly #maxBytes: number;
  #events: ChangeEvent[] = [];
  #queuedBytes = 0;
  #inFlightBytes = 0;
  /** A drain loop is running for this tenant. */
  running = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held: queued plus the batch in flight. */
  get bytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  get length(): number {
    return this.#events.length;
  }

  /** Appends the event, or returns false (and keeps nothing) when it would pass the bound. */
  offer(e: ChangeEvent): boolean {
    const size = changeBytes(e);
    if (this.bytes + size > this.#maxBytes) return false;
    this.#events.push(e);
    this.#queuedBytes += size;
    return true;
  }

  /** Takes up to `max` events, in order, as the batch in flight (counted until `done`). */
  take(max: number): ChangeEvent[] {
    const batch = this.#events.splice(0, max);
    const size = batch.reduce((n, e) => n + changeBytes(e), 0);
    this.#queuedBytes -= size;
    this.#inFlightBytes = size;
    return batch;
  }

  /** The batch in flight is handled. */
  done(): void {
    this.#inFlightBytes = 0;
  }

  /** Drops every queued event (not the batch in flight); returns how many. */
  clear(): number {
    const n = this.#events.length;
    this.#events = [];
    this.#queuedBytes = 0;
    return n;
  }
}
