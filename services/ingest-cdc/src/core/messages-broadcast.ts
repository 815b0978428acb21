// Rows inserted into realtime.messages are broadcasts from the database (docs/PROTOCOL.md §4 "From the
// database"): each becomes a UserBroadcast to (topic, private) with meta.id = the row id.
import { randomUUID } from 'node:crypto';
import type { BroadcastMessage, ChangeEvent } from '@realtime/schemas';
import { binaryFieldTooLong } from '@realtime/protocol';

export type BroadcastSkipReason = 'topic_too_long' | 'event_too_long' | 'id_too_long' | 'payload_too_large' | 'rate_limited';
export type BroadcastSkip = { reason: BroadcastSkipReason; id: string; topicPrefix: string };

/** realtime.messages, or one of its daily partitions (messages_YYYY_MM_DD). */
export function isMessagesRow(e: ChangeEvent): boolean {
  return e.schema === 'realtime' && /^messages(_\d{4}_\d{2}_\d{2})?$/.test(e.table) && e.type === 'INSERT' && e.record_json !== null;
}

export function toBroadcast(e: ChangeEvent, originNode: string): BroadcastMessage | null {
  const row = JSON.parse(e.record_json!) as Record<string, unknown>;
  if (typeof row.topic !== 'string' || row.extension !== 'broadcast') return null;
  // bytea arrives as hex without \x (to-jsonb.ts); a \x prefix is still read, as records written before it were.
  const binary = typeof row.binary_payload === 'string';
  const payload = binary ? Buffer.from((row.binary_payload as string).replace(/^\\x/, ''), 'hex') : Buffer.from(JSON.stringify(row.payload ?? {}));
  return {
    id: typeof row.id === 'string' ? row.id : randomUUID(),
    tenant: e.tenant,
    topic: row.topic,
    private: row.private === true,
    event: typeof row.event === 'string' ? row.event : '',
    kind: 'USER',
    encoding: binary ? 'BINARY' : 'JSON',
    payload,
    meta_id: typeof row.id === 'string' ? row.id : null,
    origin_node: originNode,
    sent_at: Math.floor(e.commit_timestamp / 1000),
  };
}

/**
 * Why a row's broadcast must not be published, or null. Gateways deliver it as a kind 4 frame, which
 * cannot carry a topic, event or id this long (docs/PROTOCOL.md §1.4): published, it would throw in
 * every gateway's fan-out. A row over maxRecordBytes lost its payload column to the truncation
 * (to-change-event.ts): broadcasting what is left would deliver `{}` in place of the message.
 */
export function broadcastSkipReason(b: BroadcastMessage, oversized = false): BroadcastSkipReason | null {
  if (oversized) return 'payload_too_large';
  const tooLong = binaryFieldTooLong({ topic: b.topic, event: b.event, metaId: b.meta_id });
  return tooLong ? `${tooLong.field}_too_long` : null;
}

/**
 * The broadcasts of a transaction's realtime.messages rows, and the rows left out (with why). Size
 * limits apply to database broadcasts too (docs/PROTOCOL.md §4): a payload over the tenant's
 * limit is left out here, before it takes room in Kafka and in every gateway.
 */
export function messagesBroadcasts(events: ChangeEvent[], originNode: string, maxPayloadBytes = Infinity): { broadcasts: BroadcastMessage[]; skipped: BroadcastSkip[] } {
  const broadcasts: BroadcastMessage[] = [];
  const skipped: BroadcastSkip[] = [];
  for (const e of events) {
    if (!isMessagesRow(e)) continue;
    const b = toBroadcast(e, originNode);
    if (!b) continue;
    const reason = broadcastSkipReason(b, e.truncated || b.payload.byteLength > maxPayloadBytes);
    if (reason) skipped.push({ reason, id: b.id, topicPrefix: b.topic.slice(0, 64) });
    else broadcasts.push(b);
  }
  return { broadcasts, skipped };
}
