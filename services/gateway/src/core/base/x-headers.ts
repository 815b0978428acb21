// The caller's `x-` request headers (docs/PROTOCOL.md §7): private-channel policies read them as
// current_setting('request.headers', true)::json. Captured once, at the WebSocket upgrade (or per
// REST request), so a socket's headers are fixed for its life and the per-channel policy cache
// (channel-policies.ts) stays correct without keying on them.

/** Header name (lowercase) → value. Frozen: shared by every check of the socket. */
export type XHeaders = Readonly<Record<string, string>>;

export const NO_HEADERS: XHeaders = Object.freeze({});

/**
 * Bounds by construction: every policy check sends these to the tenant's database and every open
 * socket keeps them, so past MAX_X_HEADERS headers or MAX_X_HEADER_BYTES (names + values, UTF-16
 * length as a stand-in for bytes) the remaining headers are left out, in arrival order.
 */
export const MAX_X_HEADERS = 50;
export const MAX_X_HEADER_BYTES = 8 * 1024;

/** Node's IncomingMessage.headers shape (names already lowercase, repeats joined by Node). */
type RawHeaders = Record<string, string | string[] | undefined>;

export function xHeaders(raw: RawHeaders): XHeaders {
  const out: Record<string, string> = Object.create(null);
  let count = 0;
  let size = 0;
  for (const [rawName, rawValue] of Object.entries(raw)) {
    const name = rawName.toLowerCase();
    if (!name.startsWith('x-') || rawValue === undefined || name in out) continue;
    const value = Array.isArray(rawValue) ? rawValue.join(', ') : rawValue;
    if (count + 1 > MAX_X_HEADERS || size + name.length + value.length > MAX_X_HEADER_BYTES) break;
    out[name] = value;
    count++;
    size += name.length + value.length;
  }
  return count === 0 ? NO_HEADERS : Object.freeze({ ...out });
}
