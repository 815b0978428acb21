// Recovered frames go out no faster than the client reads them. A recovery may be many MiB (the
// tenant's max_recovery_bytes, 16 MiB by default) while a socket may hold only
// GATEWAY_MAX_BUFFERED_BYTES (4 MB by default) unsent before the gateway drops it as a slow reader:
// sent in one loop, every recovery past that bound disconnected a client that reads perfectly well.
// So sending waits while the socket's unsent bytes would pass half the bound (the other half is left
// to live frames of its other channels). A client that reads nothing for `maxWaitMs` gets the rest at
// once and meets the slow-reader bound as it would live: a recovery never holds its frames forever.
import type { Clock } from '../base/clock.ts';
import type { Connection } from '../channels/connection.ts';

/** How often a paused recovery looks at the socket again. */
export const PACE_POLL_MS = 5;

/** Sends `frames` through `conn` in order; resolves with the bytes sent, early (false) when `wanted` says stop. */
export async function sendPaced(conn: Connection, frames: ReadonlyArray<string | Uint8Array>, clock: Clock, maxWaitMs: number, wanted: () => boolean): Promise<{ bytes: number; sent: number }> {
  const room = conn.limits.maxBufferedBytes / 2;
  let bytes = 0;
  let sent = 0;
  let waitedSince: number | null = null;
  for (const frame of frames) {
    const size = typeof frame === 'string' ? frame.length : frame.byteLength;
    while (conn.socket.bufferedAmount > 0 && conn.socket.bufferedAmount + size > room) {
      waitedSince ??= clock.now();
      if (clock.now() - waitedSince >= maxWaitMs) break;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, PACE_POLL_MS));
      if (!wanted()) return { bytes, sent };
    }
    if (conn.socket.bufferedAmount === 0 || conn.socket.bufferedAmount + size <= room) waitedSince = null;
    if (!wanted()) return { bytes, sent };
    conn.send(frame);
    bytes += size;
    sent++;
  }
  return { bytes, sent };
}
