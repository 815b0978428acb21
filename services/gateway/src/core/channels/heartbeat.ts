// Heartbeats skip the socket's queue (Gateway.receive): the client closes its socket when a reply
// misses its next 25 s tick (docs/PROTOCOL.md §2), and a queue may be held by joins that wait on
// a tenant database.
import type { Connection } from './connection.ts';

/** Answers a heartbeat at once; only short text frames are looked at, so this costs nothing for the rest. */
export function answerHeartbeat(conn: Connection, frame: string | Uint8Array): boolean {
  if (typeof frame !== 'string' || frame.length > 128 || !frame.includes('heartbeat')) return false;
  const decoded = conn.wire.decode(frame);
  if (decoded.type !== 'message' || decoded.message.topic !== 'phoenix' || decoded.message.event !== 'heartbeat') return false;
  conn.reply('phoenix', decoded.message.joinRef, decoded.message.ref, 'ok', {});
  return true;
}
