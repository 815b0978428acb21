// Per-socket bounds that no tenant limit covers: what one anonymous client can make this gateway
// hold for it (outgoing bytes, queued inbound frames) and how fast it may send. Each check is O(1)
// per frame so the fan-out and the read path stay linear in the frames themselves.

export interface SocketLimits {
  /** Outgoing bytes a socket may have waiting in the transport before it counts as a slow reader. */
  maxBufferedBytes: number;
  /** Inbound frames per second per socket; the ones over it are dropped. */
  maxFramesPerSecond: number;
  /** Inbound bytes per second per socket; frames past it are dropped like those over the count. */
  maxInboundBytesPerSecond: number;
  /** Seconds in a row over maxFramesPerSecond after which the socket is closed. */
  floodSeconds: number;
  /** Inbound frames waiting behind the one being handled (frames are handled one at a time). */
  maxPendingFrames: number;
  /** Bytes of the frames taken and not yet handled; the first frame of an idle socket is always taken. */
  maxPendingBytes: number;
  /** A socket without any channel for this long is closed (docs/PROTOCOL.md §2). */
  noChannelTimeoutMs: number;
}

export const defaultSocketLimits: SocketLimits = {
  maxBufferedBytes: 4_000_000,
  maxFramesPerSecond: 1000,
  maxInboundBytesPerSecond: 10_000_000,
  floodSeconds: 5,
  maxPendingFrames: 100,
  maxPendingBytes: 1_000_000,
  noChannelTimeoutMs: 10 * 60_000,
};

export type FrameVerdict = 'ok' | 'drop' | 'close';

/**
 * Fixed one-second windows: a few counters, whatever the rate. A burst is clipped to the rate;
 * only a client over it for `floodSeconds` consecutive windows is closed, so a page that joins
 * many channels at once is not punished for it. Bytes are counted too: parsing is what a frame
 * costs, and 200 frames of 5 MB a second would keep the event loop busy for everyone.
 */
export class FrameRate {
  readonly #perSecond: number;
  readonly #bytesPerSecond: number;
  readonly #floodSeconds: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #count = 0;
  #bytes = 0;
  #dropped = false;
  /** Consecutive windows before the current one in which frames were dropped. */
  #overWindows = 0;

  constructor(perSecond: number, floodSeconds: number, bytesPerSecond = Number.POSITIVE_INFINITY) {
    this.#perSecond = perSecond;
    this.#floodSeconds = floodSeconds;
    this.#bytesPerSecond = bytesPerSecond;
  }

  admit(now: number, bytes = 0): FrameVerdict {
    const elapsed = now - this.#windowStart;
    if (elapsed >= 1000) {
      // Only a window that directly follows an over-rate one continues the flood.
      this.#overWindows = elapsed < 2000 && this.#dropped ? this.#overWindows + 1 : 0;
      this.#windowStart = now;
      this.#count = 0;
      this.#bytes = 0;
      this.#dropped = false;
    }
    this.#count++;
    this.#bytes += bytes;
    if (this.#count <= this.#perSecond && this.#bytes <= this.#bytesPerSecond) return 'ok';
    this.#dropped = true;
    return this.#overWindows + 1 >= this.#floodSeconds ? 'close' : 'drop';
  }
}

/**
 * Inbound frames of one socket, handled one after the other: a join's awaits can no longer
 * interleave with the socket's next frames. Bounded in frames and bytes; over it the frame is
 * refused (null) and the caller drops it.
 *
 * A handler whose remaining work needs no ordering with later frames (a broadcast waiting for
 * Kafka's ack) calls `release()`: the next frame starts at once. At most `maxFrames` released
 * handlers run at a time; past that, release is ignored and the queue waits, so a client cannot
 * pile up unacknowledged work either.
 */
export class FrameQueue {
  readonly #maxFrames: number;
  readonly #maxBytes: number;
  #pending = 0;
  #pendingBytes = 0;
  #released = 0;
  #tail: Promise<void> = Promise.resolve();

  constructor(maxFrames: number, maxBytes: number) {
    this.#maxFrames = maxFrames;
    this.#maxBytes = maxBytes;
  }

  /** Frames taken and neither finished nor released. */
  get pending(): number {
    return this.#pending;
  }

  /** Released handlers still running. */
  get released(): number {
    return this.#released;
  }

  run(bytes: number, work: (release: () => void) => void | Promise<void>): Promise<void> | null {
    // #pending counts the frame being handled, so the waiting ones are #pending − 1.
    if (this.#pending > 0 && (this.#pending > this.#maxFrames || this.#pendingBytes + bytes > this.#maxBytes)) return null;
    this.#pending++;
    this.#pendingBytes += bytes;
    let queued = true;
    let released = false;
    let next!: () => void;
    const moveOn = new Promise<void>((resolve) => (next = resolve));
    const leave = () => {
      if (!queued) return;
      queued = false;
      this.#pending--;
      this.#pendingBytes -= bytes;
      next();
    };
    const release = () => {
      if (!queued || this.#released >= this.#maxFrames) return;
      released = true;
      this.#released++;
      leave();
    };
    const result = this.#tail.then(() => work(release)).finally(() => {
      if (released) this.#released--;
      leave();
    });
    this.#tail = moveOn;
    return result;
  }
}
