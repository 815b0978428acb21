// Which channel of this gateway sent each of its own recent broadcasts, for channels joined with
// `broadcast.recover` and `self: false`: they receive broadcasts only from Kafka, where their own
// come back too and must still be left out (docs/PROTOCOL.md §11). Bounded in time (entries
// older than the TTL are swept) and in size (past the cap the oldest go first): a flood of sends
// cannot grow it, at worst an echo arrives later than the TTL and is delivered.
import type { Channel } from '../channels/connection.ts';

export class OwnSends {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  /** Insertion order = age order: the sweep stops at the first entry still young. */
  readonly #byId = new Map<string, { channel: Channel; at: number }>();

  constructor(options: { ttlMs: number; max: number; now: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.max;
    this.#now = options.now;
  }

  get size(): number {
    return this.#byId.size;
  }

  remember(id: string, channel: Channel): void {
    this.#sweep();
    if (this.#byId.size >= this.#max) this.#byId.delete(this.#byId.keys().next().value!);
    this.#byId.set(id, { channel, at: this.#now() });
  }

  /** The sending channel of broadcast `id`, if it was sent here recently; forgets it (one echo per send). */
  take(id: string): Channel | undefined {
    this.#sweep();
    const entry = this.#byId.get(id);
    if (entry) this.#byId.delete(id);
    return entry?.channel;
  }

  #sweep(): void {
    const oldest = this.#now() - this.#ttlMs;
    for (const [id, entry] of this.#byId) {
      if (entry.at >= oldest) break;
      this.#byId.delete(id);
    }
  }
}
