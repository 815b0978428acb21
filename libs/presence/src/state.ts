// Presence state as clients see it (docs/PROTOCOL.md §5): key → {metas: [...]}, each meta carrying its phx_ref.
// Stored per member in Redis; read back as a snapshot by a gateway when a channel joins.
import type { RedisClient } from './client.ts';
import { presenceKeys, type PresenceChannel } from './keys.ts';

export type Meta = Record<string, unknown> & { phx_ref: string };
export interface StoredMember {
  key: string;
  meta: Meta;
}
export type PresenceState = Record<string, { metas: Meta[] }>;

export interface Snapshot {
  state: PresenceState;
  version: number;
  epoch: string;
}

/** Groups members by presence key, in member-id order (stable across gateways). */
export function toState(members: Iterable<[string, StoredMember]>): PresenceState {
  const state: PresenceState = {};
  for (const [, m] of [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) (state[m.key] ??= { metas: [] }).metas.push(m.meta);
  return state;
}

/**
 * The channel's members and version, read atomically, and the Redis epoch. The epoch lives in
 * another slot (keys.ts), so it is read first: should the data set change in between, the
 * snapshot carries the older epoch and the gateway's next heartbeat sees the new one and
 * re-asserts its members, the same path as a change after the snapshot.
 */
export async function readSnapshot(redis: RedisClient, channel: PresenceChannel): Promise<Snapshot> {
  const epoch = await redis.get(presenceKeys.epoch);
  const results = await redis.multi().hgetall(presenceKeys.members(channel)).hget(presenceKeys.state(channel), 'version').exec();
  if (!results) throw new Error('presence snapshot transaction aborted');
  for (const [err] of results) if (err) throw err;
  const members = (results[0]![1] ?? {}) as Record<string, string>;
  return {
    state: toState(Object.entries(members).map(([id, json]) => [id, JSON.parse(json) as StoredMember])),
    version: Number(results[1]![1] ?? 0),
    epoch: epoch ?? '',
  };
}
