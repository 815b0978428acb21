// What a kind 4 frame can carry (binary.ts, docs/PROTOCOL.md §1.4): topic, event and metadata sit
// behind a one-byte length each. Every entry point of a broadcast (socket, REST, realtime.send rows)
// checks this before the message goes anywhere: a field that does not fit would make the encoder
// throw later, in every gateway's fan-out, for a message already accepted.
import { CHANNEL_TOPIC_PREFIX } from './events.ts';

export const MAX_BINARY_FIELD_BYTES = 255;
/** The wire topic is `realtime:<subtopic>`; the subtopic gets what the prefix leaves. */
export const MAX_SUBTOPIC_BYTES = MAX_BINARY_FIELD_BYTES - CHANNEL_TOPIC_PREFIX.length;
/** Metadata is `{"id":"<id>"}`: 7 bytes besides the quoted (JSON-escaped) id. */
const MAX_QUOTED_ID_BYTES = MAX_BINARY_FIELD_BYTES - 7;

export type FieldTooLong = { field: 'topic' | 'event' | 'id'; maxBytes: number };

const encoder = new TextEncoder();

// A UTF-16 unit encodes to 1..3 UTF-8 bytes, so most strings are decided without encoding them.
function over(s: string, max: number): boolean {
  if (s.length > max) return true;
  return s.length * 3 > max && encoder.encode(s).byteLength > max;
}

/** The first field of a broadcast (subtopic, event, meta id) a kind 4 frame cannot carry, or null. */
export function binaryFieldTooLong(b: { topic: string; event: string; metaId?: string | null }): FieldTooLong | null {
  if (over(b.topic, MAX_SUBTOPIC_BYTES)) return { field: 'topic', maxBytes: MAX_SUBTOPIC_BYTES };
  if (over(b.event, MAX_BINARY_FIELD_BYTES)) return { field: 'event', maxBytes: MAX_BINARY_FIELD_BYTES };
  if (b.metaId && over(JSON.stringify(b.metaId), MAX_QUOTED_ID_BYTES)) return { field: 'id', maxBytes: MAX_QUOTED_ID_BYTES - 2 };
  return null;
}
