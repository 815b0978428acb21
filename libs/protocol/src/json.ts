// Shared helpers of the text codecs (v1.ts, v2.ts).
import type { UserBroadcast } from './types.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export type Parsed = { ok: true; value: unknown } | { ok: false };

export function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function isRef(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/**
 * The `broadcast` payload a client receives for a UserBroadcast: what realtime-js builds from a
 * kind 4 frame, and what 1.0.0 sockets get as JSON (spec §1.4). Throws if JSON bytes do not parse:
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
