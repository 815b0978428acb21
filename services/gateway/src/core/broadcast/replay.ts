// Broadcast replay on private channels (docs/PROTOCOL.md §4): after the join reply, the channel gets the
// stored messages of its topic since `replay.since` (at most `limit`, oldest first) with
// meta {replayed: true, id}. 1.0.0 sockets skip binary rows. Live copies of replayed messages are
// suppressed by id for REPLAYED_ID_TTL_MS.
import { ErrorCodes, joinErrorReason } from '@realtime/errors';
import type { StoredBroadcast } from '../../ports.ts';
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';
import type { Tenant } from '../base/tenant.ts';
import { binaryFieldTooLong } from '@realtime/protocol';
import { messageOf } from '../base/messages.ts';

const REPLAYED_ID_TTL_MS = 60_000;

export type ReplayFetch = { ok: true; rows: StoredBroadcast[] } | { ok: false; reason: string };

export async function fetchReplay(g: GatewayContext, tenant: Tenant, channel: Channel): Promise<ReplayFetch> {
  const replay = channel.options.replay!;
  if (!channel.options.private) return { ok: false, reason: `${ErrorCodes.UnableToReplayMessages}: Replay is not allowed for public channels` };
  const db = g.databases.get(tenant);
  if (!db) return { ok: false, reason: joinErrorReason(ErrorCodes.UnableToReplayMessages, messageOf(ErrorCodes.UnableToConnectToProject)) };
  try {
    return { ok: true, rows: await db.storedBroadcasts(channel.subtopic, replay.since, replay.limit) };
  } catch (err) {
    g.log.warn({ code: ErrorCodes.UnableToReplayMessages, tenant: tenant.externalId, err: String(err) }, 'replay failed');
    return { ok: false, reason: joinErrorReason(ErrorCodes.UnableToReplayMessages, messageOf(ErrorCodes.UnableToReplayMessages)) };
  }
}

/**
 * The ids of the stored rows the channel is about to replay, set before the channel is registered:
 * their Kafka copies (meta id = row id) are then skipped live and, with `broadcast.recover`, in the
 * recovered range and the recovery seam too (recovery/broadcasts.ts), however they interleave.
 */
export function rememberReplayed(g: GatewayContext, channel: Channel, rows: StoredBroadcast[]): void {
  channel.replayedIds = new Set(rows.map((r) => r.id));
  const forget = g.clock.setTimeout(() => (channel.replayedIds = null), REPLAYED_ID_TTL_MS);
  channel.cleanups.push(() => forget.cancel());
}

export function pushReplay(g: GatewayContext, channel: Channel, rows: StoredBroadcast[]): void {
  const { conn } = channel;
  if (channel.replayedIds === null) rememberReplayed(g, channel, rows);
  for (const row of rows) {
    const meta = { replayed: true, id: row.id };
    if (row.binary) {
      if (conn.vsn === '1.0.0') continue;
      // A stored row ingest-cdc refused to broadcast (too long for a kind 4 frame) is not replayed either.
      if (binaryFieldTooLong({ topic: channel.subtopic, event: row.event, metaId: row.id })) {
        g.log.info({ code: ErrorCodes.UnableToReplayMessages, id: row.id }, 'stored message not replayed: a binary frame cannot carry it');
        continue;
      }
      conn.send(conn.wire.encodeUserBroadcast({ topic: channel.topic, event: row.event, metadata: meta, encoding: 'binary', payload: row.binary }));
    } else {
      const payload = row.payloadJson === null ? {} : JSON.parse(row.payloadJson);
      conn.send(conn.wire.encode({ joinRef: null, ref: null, topic: channel.topic, event: 'broadcast', payload: { type: 'broadcast', event: row.event, payload, meta } }));
    }
  }
}
