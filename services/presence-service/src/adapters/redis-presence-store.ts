// PresenceStore on Redis. One command = one optimistic transaction on a dedicated connection:
// WATCH the channel's members and state hashes and the epoch, read what core/step.ts needs, then
// write members, version, position, diff and the node bookkeeping in ONE MULTI/EXEC. The consumer
// group gives each channel one owner, but a deposed owner may still be finishing a batch during a
// rebalance: WATCH turns that race into a retry, which then sees the position already applied.
//
//   state hash fields: version, partition + offset + diff (last command with a diff),
//   node:<node> (that node's member count here; the channel is in its channel set while > 0)
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { channelId, presenceKeys, type PresenceChannel, type StoredMember } from '@realtime/presence';
import type { PresenceCommand } from '@realtime/schemas';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { scopeOf, type Scope } from '../core/apply.ts';
import { step, type ChannelState, type Position } from '../core/step.ts';
import type { ApplyOutcome, PresenceStore } from '../ports.ts';
import type { RedisPool } from './redis-pool.ts';
import { toRedisError } from './redis-errors.ts';
import { FORGET_IF_IDLE } from './redis-node-registry.ts';

const MAX_ATTEMPTS = 20;
const CONFLICT = Symbol('conflict');

export function createRedisPresenceStore(pool: RedisPool, now: () => number = Date.now): PresenceStore {
  return {
    async apply(cmd, at) {
      const channel: PresenceChannel = { tenant: cmd.tenant, private: cmd.private, topic: cmd.topic };
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const outcome = await pool.use(async (conn) => {
          try {
            return await attemptOnce(conn, channel, cmd, at, now());
          } catch (err) {
            await conn.unwatch().catch(() => {});
            throw toRedisError(err, 'applying a presence command failed', { tenant: cmd.tenant, topic: cmd.topic, op: cmd.op });
          }
        });
        if (outcome !== CONFLICT) return outcome;
      }
      throw new RealtimeError(ErrorCodes.RedisUnavailable, `presence channel kept changing under ${MAX_ATTEMPTS} transactions`, { details: { tenant: cmd.tenant, topic: cmd.topic } });
    },
  };
}

async function attemptOnce(conn: Redis, channel: PresenceChannel, cmd: PresenceCommand, at: Position, now: number): Promise<ApplyOutcome | typeof CONFLICT> {
  const keys = { members: presenceKeys.members(channel), state: presenceKeys.state(channel) };
  await conn.watch(keys.members, keys.state, presenceKeys.epoch);
  const nodeField = `node:${cmd.node}`;
  const [[version, partition, offset, diff, nodeMembers], epoch] = await Promise.all([
    conn.hmget(keys.state, 'version', 'partition', 'offset', 'diff', nodeField),
    conn.get(presenceKeys.epoch),
  ]);
  if (epoch === null) {
    // Redis lost its data since the last monitor tick: name the new data set, then start over.
    await conn.unwatch();
    await conn.set(presenceKeys.epoch, randomUUID(), 'NX');
    return CONFLICT;
  }
  const state: ChannelState = {
    members: await readScope(conn, keys.members, scopeOf(cmd)),
    version: Number(version ?? 0),
    last: partition != null && offset != null && diff != null ? { partition: Number(partition), offset, diff } : null,
    epoch,
    nodeMembers: Number(nodeMembers ?? 0),
  };
  const plan = step(state, cmd, at, now);
  if (plan.kind !== 'write' || plan.applied.ignored !== undefined) {
    await conn.unwatch();
    if (plan.kind === 'skip') return { kind: 'skipped', diff: null };
    if (plan.kind === 'republish') return { kind: 'republished', diff: plan.diff };
    return { kind: 'ignored', diff: null, reason: plan.applied.ignored! };
  }
  // Even with nothing to write, EXEC: the reads above were several commands, and only an EXEC
  // that WATCH did not abort proves they saw one consistent state (e.g. not members already
  // written by a racing owner next to a position not yet read as written).
  const { applied, node } = plan;
  const tx = conn.multi();
  if (applied.put.size > 0) tx.hset(keys.members, Object.fromEntries([...applied.put].map(([id, m]) => [id, JSON.stringify(m)])));
  if (applied.remove.length > 0) tx.hdel(keys.members, ...applied.remove);
  if (plan.diff) {
    tx.hincrby(keys.state, 'version', 1);
    tx.hset(keys.state, { partition: String(at.partition), offset: at.offset, diff: JSON.stringify(plan.diff) });
  }
  if (node) {
    if (node.members > 0) tx.hset(keys.state, nodeField, String(node.members));
    else tx.hdel(keys.state, nodeField);
    if (node.add) tx.sadd(presenceKeys.nodes, node.id).sadd(presenceKeys.nodeChannels(node.id), channelId(channel));
    if (node.drop) {
      tx.srem(presenceKeys.nodeChannels(node.id), channelId(channel));
      tx.eval(FORGET_IF_IDLE, 2, presenceKeys.nodeChannels(node.id), presenceKeys.nodes, node.id);
    }
  }
  tx.hlen(keys.members); // last: the channel's size after this command, for realtime_presence_members
  const results = await tx.exec();
  if (results === null) return CONFLICT;
  for (const [err] of results) if (err) throw err;
  const members = Number(results.at(-1)![1]);
  return plan.diff ? { kind: 'applied', diff: plan.diff, members } : { kind: 'unchanged', diff: null, members };
}

/** The members a command can touch: one HGET, or an HSCAN of an id prefix. */
async function readScope(conn: Redis, key: string, scope: Scope): Promise<Map<string, StoredMember>> {
  const members = new Map<string, StoredMember>();
  if ('member' in scope) {
    const json = await conn.hget(key, scope.member);
    if (json !== null) members.set(scope.member, JSON.parse(json) as StoredMember);
    return members;
  }
  const match = `${scope.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, flat] = await conn.hscan(key, cursor, 'MATCH', match, 'COUNT', 1000);
    for (let i = 0; i + 1 < flat.length; i += 2) members.set(flat[i]!, JSON.parse(flat[i + 1]!) as StoredMember);
    cursor = next;
  } while (cursor !== '0');
  return members;
}
