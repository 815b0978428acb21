// Binary broadcast frames of vsn 2.0.0 (docs/PROTOCOL.md §1.4).
//
// Kind 3 "user_broadcast_push", client → server:
//   byte 0      0x03
//   byte 1..5   u8 byte lengths of join_ref, ref, topic, event, metadata
//   byte 6      payload encoding: 0 raw binary, 1 JSON
//   then        join_ref, ref, topic, user event, metadata (JSON object or empty), payload to the end
//
// Kind 4 "user_broadcast", server → client (the only binary kind realtime-js decodes):
//   byte 0      0x04
//   byte 1..3   u8 byte lengths of topic, event, metadata
//   byte 4      payload encoding: 0 raw binary, 1 JSON
//   then        topic, user event, metadata (JSON object or empty), payload to the end
//
// Strings are UTF-8 and their lengths are byte counts; realtime-js sends a null ref as "" and
// leaves metadata empty when it has no allowed keys, so both read back as null here. Decoded
// payloads are views on the frame's bytes, not copies.
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json.ts';
import { decodeError, type DecodeError, type PayloadEncoding, type UserBroadcast, type UserBroadcastPush } from './types.ts';

export const BinaryKinds = { userBroadcastPush: 3, userBroadcast: 4 } as const;
export const EncodingBytes = { binary: 0, json: 1 } as const;

const PUSH_HEADER = 7;
const BROADCAST_HEADER = 5;
const MAX_FIELD = 255;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUserBroadcastPush(bytes: Uint8Array): UserBroadcastPush | DecodeError {
  if (bytes.length < PUSH_HEADER) return decodeError(`kind 3 frame shorter than its ${PUSH_HEADER}-byte header`);
  if (bytes[0] !== BinaryKinds.userBroadcastPush) return decodeError(`unsupported binary kind ${bytes[0]}`);
  const reader = fieldReader(bytes, PUSH_HEADER, [bytes[1]!, bytes[2]!, bytes[3]!, bytes[4]!, bytes[5]!]);
  if ('type' in reader) return reader;
  const encoding = encodingOf(bytes[6]!);
  if (typeof encoding !== 'string') return encoding;
  const [joinRef, ref, topic, event, meta] = reader.fields;
  const metadata = parseMetadata(meta!);
  if ('type' in metadata) return metadata;
  const payload = bytes.subarray(reader.end);
  if (encoding === 'json' && !isJson(payload)) return decodeError('kind 3 JSON payload is not valid JSON');
  return { joinRef: joinRef || null, ref: ref || null, topic: topic!, event: event!, metadata: metadata.value, encoding, payload };
}

export function decodeUserBroadcast(bytes: Uint8Array): UserBroadcast | DecodeError {
  if (bytes.length < BROADCAST_HEADER) return decodeError(`kind 4 frame shorter than its ${BROADCAST_HEADER}-byte header`);
  if (bytes[0] !== BinaryKinds.userBroadcast) return decodeError(`unsupported binary kind ${bytes[0]}`);
  const reader = fieldReader(bytes, BROADCAST_HEADER, [bytes[1]!, bytes[2]!, bytes[3]!]);
  if ('type' in reader) return reader;
  const encoding = encodingOf(bytes[4]!);
  if (typeof encoding !== 'string') return encoding;
  const [topic, event, meta] = reader.fields;
  const metadata = parseMetadata(meta!);
  if ('type' in metadata) return metadata;
  return { topic: topic!, event: event!, metadata: metadata.value, encoding, payload: bytes.subarray(reader.end) };
}

/** Throws when a field is over 255 bytes, as realtime-js does. */
export function encodeUserBroadcastPush(p: UserBroadcastPush): Uint8Array {
  const fields = [p.joinRef ?? '', p.ref ?? '', p.topic, p.event, metadataText(p.metadata)];
  return assemble([BinaryKinds.userBroadcastPush], ['join_ref', 'ref', 'topic', 'event', 'metadata'], fields, p.encoding, p.payload);
}

/** Throws when a field is over 255 bytes. */
export function encodeUserBroadcast(b: UserBroadcast): Uint8Array {
  const fields = [b.topic, b.event, metadataText(b.metadata)];
  return assemble([BinaryKinds.userBroadcast], ['topic', 'event', 'metadata'], fields, b.encoding, b.payload);
}

/** Metadata travels as a JSON object; null and {} are both sent as nothing (no `meta` at the client). */
export function metadataText(metadata: Record<string, unknown> | null): string {
  return metadata && Object.keys(metadata).length > 0 ? JSON.stringify(metadata) : '';
}

function assemble(head: number[], names: string[], fields: string[], encoding: PayloadEncoding, payload: Uint8Array): Uint8Array {
  const encoded = fields.map((field, i) => {
    const b = utf8.encode(field);
    if (b.length > MAX_FIELD) throw new RangeError(`${names[i]} is ${b.length} bytes; the binary frame allows at most ${MAX_FIELD}`);
    return b;
  });
  const headerLength = head.length + encoded.length + 1;
  const total = headerLength + encoded.reduce((n, b) => n + b.length, 0) + payload.length;
  const out = new Uint8Array(total);
  out.set([...head, ...encoded.map((b) => b.length), EncodingBytes[encoding]], 0);
  let offset = headerLength;
  for (const b of [...encoded, payload]) {
    out.set(b, offset);
    offset += b.length;
  }
  return out;
}

function fieldReader(bytes: Uint8Array, start: number, lengths: number[]): { fields: string[]; end: number } | DecodeError {
  const fields: string[] = [];
  let offset = start;
  for (const length of lengths) {
    if (offset + length > bytes.length) return decodeError(`binary frame truncated: field needs ${length} bytes at ${offset} of ${bytes.length}`);
    try {
      fields.push(strictUtf8.decode(bytes.subarray(offset, offset + length)));
    } catch {
      return decodeError(`binary frame field at ${offset} is not valid UTF-8`);
    }
    offset += length;
  }
  return { fields, end: offset };
}

function encodingOf(byte: number): PayloadEncoding | DecodeError {
  if (byte === EncodingBytes.binary) return 'binary';
  if (byte === EncodingBytes.json) return 'json';
  return decodeError(`unknown payload encoding ${byte}`);
}

// Wrapped so that user metadata shaped like a DecodeError cannot be mistaken for one.
function parseMetadata(text: string): { value: Record<string, unknown> | null } | DecodeError {
  if (text === '') return { value: null };
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return decodeError(`binary frame metadata nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { value: value as Record<string, unknown> };
  } catch {
    // fall through
  }
  return decodeError('binary frame metadata is not a JSON object');
}

function isJson(bytes: Uint8Array): boolean {
  try {
    const text = strictUtf8.decode(bytes);
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return false;
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

