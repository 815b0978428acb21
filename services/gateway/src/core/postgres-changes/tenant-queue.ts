// One tenant's changes waiting for the fan-out on this gateway, bounded in bytes (docs/STYLE.md §16),
// per tenant and, through a budget shared by all tenants' queues, per gateway (many tenants each
// under their own bound still add up). The bounds cover the queued events AND the batch being
// checked, because a batch held by a slow tenant database is memory too. At a bound the queue
// refuses: the caller drops the change and tells the tenant's subscribers (fanout.ts); nothing
// here ever waits, so the shared realtime.cdc consumer never waits for one tenant.
import type { ChangeEvent } from '@realtime/schemas';

/** Fixed cost of an event beyond its JSON texts (object, columns, strings): an estimate. */
const EVENT_OVERHEAD = 256;

/** Approximate memory of one event: its row texts plus a fixed overhead. */
export function changeBytes(e: ChangeEvent): number {
  return EVENT_OVERHEAD + (e.record_json?.length ?? 0) + (e.old_record_json?.length ?? 0) + e.columns.length * 32;
}

/** Bytes held by all tenants' queues of one gateway, against its bound. */
export class ByteBudget {
  used = 0;
  readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
}

export type Offer = 'queued' | 'tenant-full' | 'gateway-full';

export class TenantQueue {
  readonly #maxBytes: number;
  readonly #budget: ByteBudget;
  #events: ChangeEvent[] = [];
  #queuedBytes = 0;
  #inFlightBytes = 0;
  /** A drain loop is running for this tenant. */
  running = false;

  constructor(maxBytes: number, budget: ByteBudget = new ByteBudget(Infinity)) {
    this.#maxBytes = maxBytes;
    this.#budget = budget;
  }

  /** Bytes held: queued plus the batch in flight. */
  get bytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  get length(): number {
    return this.#events.length;
  }

  /** Bytes that `clear` would free now. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Appends the event, or says which bound it would pass (and keeps nothing). */
  offer(e: ChangeEvent): Offer {
    const size = changeBytes(e);
    if (this.bytes + size > this.#maxBytes) return 'tenant-full';
    if (this.#budget.used + size > this.#budget.max) return 'gateway-full';
    this.#events.push(e);
    this.#queuedBytes += size;
    this.#budget.used += size;
    return 'queued';
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
    this.#budget.used -= this.#inFlightBytes;
    this.#inFlightBytes = 0;
  }

  /** Drops every queued event (not the batch in flight); returns how many. */
  clear(): number {
    const n = this.#events.length;
    this.#events = [];
    this.#budget.used -= this.#queuedBytes;
    this.#queuedBytes = 0;
    return n;
  }
}
