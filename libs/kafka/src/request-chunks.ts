// Splits the records of one send into produce requests the broker accepts. kafkajs puts every
// record of a send for one partition into a single record batch, and the broker rejects a batch
// larger than max.message.bytes (1 MiB by default) with MESSAGE_TOO_LARGE, which is not retried:
// a send of a few thousand ordinary records (a CDC backlog, a burst of broadcasts) would fail
// however often it is tried. Requests are sent one after the other, so order is kept.
import type { IHeaders } from 'kafkajs';

/** Key, value and header bytes per request: half the broker's default limit, room for framing. */
export const MAX_REQUEST_BYTES = 512 * 1024;
/** Per-record framing of a v2 record batch (length, attributes, deltas, varint lengths), generously. */
const RECORD_OVERHEAD_BYTES = 32;

export interface SizedMessage {
  key: string;
  value: Buffer | null;
  headers?: IHeaders;
}

const size = (v: Buffer | string | null | undefined) => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

function headerBytes(headers: IHeaders | undefined): number {
  let n = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    n += Buffer.byteLength(name) + RECORD_OVERHEAD_BYTES;
    for (const v of Array.isArray(value) ? value : [value]) n += size(v);
  }
  return n;
}

export function messageBytes(m: SizedMessage): number {
  return RECORD_OVERHEAD_BYTES + Buffer.byteLength(m.key) + size(m.value) + headerBytes(m.headers);
}

/** Consecutive runs of `messages`, each at most `maxBytes` (a bigger message goes alone). */
export function requestChunks<M extends SizedMessage>(messages: M[], maxBytes = MAX_REQUEST_BYTES): M[][] {
  const chunks: M[][] = [];
  let chunk: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    const n = messageBytes(m);
    if (chunk.length > 0 && bytes + n > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += n;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
