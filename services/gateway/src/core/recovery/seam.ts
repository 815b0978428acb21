// The seam between a recovery and live delivery (docs/PROTOCOL.md §11): the channel is
// registered for live frames before the end offset E of its partition is taken, so nothing after E
// can be missed; while the history [start, E) is read, live frames queue here with their offsets
// (bounded: a recovery must not let one channel hold unbounded memory), then the ones at or past E
// go out and the seam turns direct. A live reader lagging behind E still drops what the recovery
// sent (offset < floor): no gap, no duplicate.
import type { RecoveringStream } from '../channels/connection.ts';

export interface SeamCaps {
  frames: number;
  bytes: number;
}

export class StreamSeam implements RecoveringStream {
  readonly #send: (frame: string | Uint8Array) => void;
  readonly #caps: SeamCaps;
  #buffering = true;
  #queue: Array<{ frame: string | Uint8Array; offset: bigint }> = [];
  #bytes = 0;
  #overflowed = false;
  #floor = -1n;
  /** Called once when the queue passes its caps (the recovery then gives up: too_large). */
  onOverflow: () => void = () => {};

  constructor(send: (frame: string | Uint8Array) => void, caps: SeamCaps, buffering = true) {
    this.#send = send;
    this.#caps = caps;
    this.#buffering = buffering;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  get queued(): number {
    return this.#queue.length;
  }

  live(frame: string | Uint8Array, offset: bigint): void {
    if (offset < this.#floor) return; // the recovery delivered it
    if (!this.#buffering) return this.#send(frame);
    if (this.#overflowed) return;
    const size = typeof frame === 'string' ? frame.length : frame.byteLength;
    if (this.#queue.length >= this.#caps.frames || this.#bytes + size > this.#caps.bytes) {
      this.#overflowed = true;
      this.#queue = [];
      this.#bytes = 0;
      return this.onOverflow();
    }
    this.#queue.push({ frame, offset });
    this.#bytes += size;
  }

  /**
   * Ends the recovery: queued frames at or past `floor` go out in order and later ones directly.
   * `floor` is E after a complete recovery; -1n after a failed one (nothing was recovered, so every
   * live frame is due).
   */
  open(floor: bigint): void {
    this.#floor = floor;
    this.#buffering = false;
    const queue = this.#queue;
    this.#queue = [];
    this.#bytes = 0;
    for (const q of queue) if (q.offset >= floor) this.#send(q.frame);
  }
}
