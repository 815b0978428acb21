// Shared helpers of the text codecs (v1.ts, v2.ts).
import type { UserBroadcast } from './types.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Deepest JSON accepted from a client. Far beyond any real payload; a deeper one would overflow
 * the stack of JSON.stringify and of every recursive walk after the parse (re-encoding, Avro,
 * presence diffs), so it is refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 128;

export function parseJson(text: string): Parsed {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return { ok: false, reason: `JSON nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' };
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * One linear pass over `text` counting open brackets outside strings; stops at the first level
 * past `max`. Malformed text is not judged here (JSON.parse does that), only its depth.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

export function isRef(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/**
 * The `broadcast` payload a client receives for a UserBroadcast: what realtime-js builds from a
 * kind 4 frame, and what 1.0.0 sockets get as JSON (docs/PROTOCOL.md §1.4). Throws if JSON bytes do not parse:
 * the gateway validated them on the way in, so that is a bug, not input.
 */
export function broadcastPayload(b: UserBroadcast): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    type: 'broadcast',
    event: b.event,
    payload: JSON.parse(strictUtf8.decode(b.payload)),
  };
  if (b.metadata && Object.keys(b.metadata).length > 0) payload.meta = b.metadata;
  return payload;
}
