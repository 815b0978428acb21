// Time-based UUIDs (version 1, RFC 9562 §5.1) for presence keys: the reference gives a join that
// sends no `presence.key` a new UUIDv1 (docs/PROTOCOL.md §5), and clients may read the key's time or rely on
// keys of one gateway sorting by creation. Written here rather than taken from a package: it is
// forty lines, and the gateway has no other use for a UUID library.
//
// Layout: time_low(32) time_mid(16) version(4)+time_high(12) variant(2)+clock_seq(14) node(48),
// time = 100 ns intervals since 1582-10-15. The node is random with the multicast bit set, as the
// RFC asks of a node id that is not a MAC address; so is the initial clock sequence.
import { randomBytes } from 'node:crypto';

const GREGORIAN_OFFSET_MS = 12_219_292_800_000n; // 1582-10-15 → 1970-01-01

export interface UuidV1Source {
  /** Milliseconds since the epoch. */
  now(): number;
  random(bytes: number): Uint8Array;
}

/** A generator with its own node id and clock sequence; ids it makes are unique and increasing. */
export function uuidV1Generator(source: UuidV1Source = { now: Date.now, random: (n) => randomBytes(n) }): () => string {
  const seed = source.random(8);
  const node = seed.slice(0, 6);
  node[0]! |= 0x01;
  let clockSeq = ((seed[6]! << 8) | seed[7]!) & 0x3fff;
  let lastNow = -Infinity; // the clock's last reading
  let stampMs = -Infinity; // the millisecond the last id carries (may run ahead of the clock)
  let ticks = 0; // 100 ns steps added within it
  return () => {
    const now = source.now();
    if (now < lastNow) clockSeq = (clockSeq + 1) & 0x3fff; // clock set back: the RFC's new sequence
    lastNow = now;
    if (now > stampMs) [stampMs, ticks] = [now, 0];
    // Same millisecond (or a clock behind the last id): the next 100 ns step; after 10,000 of
    // them, the next millisecond rather than a repeated timestamp.
    else if (++ticks === 10_000) [stampMs, ticks] = [stampMs + 1, 0];
    const t = (BigInt(stampMs) + GREGORIAN_OFFSET_MS) * 10_000n + BigInt(ticks);
    const hex = (v: bigint | number, width: number) => v.toString(16).padStart(width, '0');
    const low = t & 0xffffffffn;
    const mid = (t >> 32n) & 0xffffn;
    const high = ((t >> 48n) & 0x0fffn) | 0x1000n;
    const seq = clockSeq | 0x8000;
    return `${hex(low, 8)}-${hex(mid, 4)}-${hex(high, 4)}-${hex(seq, 4)}-${Buffer.from(node).toString('hex')}`;
  };
}

/** The gateway's generator (one node id per process). */
export const uuidV1 = uuidV1Generator();
