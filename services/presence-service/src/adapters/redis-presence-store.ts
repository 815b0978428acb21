// PresenceStore on Redis. One command = one optimistic transaction on a dedicated connection:
// WATCH the channel's members and state hashes, read what the rules (ports.ts PresenceRules) need, then write members,
// version, position and diff in ONE MULTI/EXEC. Those keys share the channel's hash tag, so the
// same transaction runs on a single server or on the one master of a Redis Cluster that owns the
// channel's slot. The node registry and the epoch live in another slot (keys.ts), so they are
// written around the transaction, in an order that can only leave a harmless extra entry behind:
// the channel joins the node's channel set BEFORE the EXEC that adds the node's first member, and
// leaves it AFTER the EXEC that removed the last one. An extra entry (a crash in between, a failed
// write) costs one no-op NODE_DOWN when the node dies, whose drop removes it. The consumer
// group gives each channel one owner, but a deposed owner may still be finishing a batch during a
// rebalance: WATCH turns that race into a retry, which then sees the position already applied.
//
//   state hash fields: version, partition + offset + diff (last command with a diff),
//   node:<node> (that node's member count here; the channel is in its channel set while > 0)
//
// A channel with no members keeps no keys: Redis drops the members hash with its last field, and
// the state hash goes once the diff that emptied the channel was acknowledged by Kafka
// (`forgetIfEmpty`, called by the processor): deleting it in the emptying MULTI itself would lose
// that diff if the process died before Kafka had it (the replayed command would find nobody to
// remove). Should that call never come (crash, Redis error), the emptying MULTI has already set an
// expiry on the state (`emptyStateTtlMs`); a later command that adds a member removes it again.
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { channelId, presenceKeys, type PresenceChannel, type RedisClient, type StoredMember } from '@realtime/presence';
import type { PresenceCommand } from '@realtime/schemas';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { ChannelState, Position } from '../core/step.ts';
import type { ApplyOutcome, PresenceRules, PresenceStore } from '../ports.ts';
import type { RedisPool } from './redis-pool.ts';
import { toRedisError } from './redis-errors.ts';
import { FORGET_IF_IDLE } from './redis-node-registry.ts';

const MAX_ATTEMPTS = 20;
const CONFLICT = Symbol('conflict');

/** KEYS[1] = members, KEYS[2] = state, ARGV[1] = TTL (ms). The channel's member count; an empty
 *  channel's state expires, a non-empty one's never does. */
const EXPIRE_IF_EMPTY = `local n = redis.call('HLEN', KEYS[1])
if n == 0 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) else redis.call('PERSIST', KEYS[2]) end
return n`;

/** KEYS[1] = members, KEYS[2] = state, ARGV = partition, offset. Deletes the state only while the
 *  channel is still empty and its last applied command is still the one whose diff was published. */
const FORGET_IF_EMPTY = `if redis.call('EXISTS', KEYS[1]) == 0
  and redis.call('HGET', KEYS[2], 'partition') == ARGV[1] and redis.call('HGET', KEYS[2], 'offset') == ARGV[2]
then return redis.call('DEL', KEYS[2]) end
return 0`;

/** How long an empty channel's state survives when nothing deletes it: longer than a restart of
 *  this service takes, so a replayed command still finds its position and stored diff. */
export const EMPTY_STATE_TTL_MS = 600_000; // PRESENCE_EMPTY_STATE_TTL_MS

/** `rules` decide what a command writes (core/rules.ts, from app.ts); this store only reads and writes Redis. */
export function createRedisPresenceStore(pool: RedisPool, rules: PresenceRules, now: () => number = Date.now, emptyStateTtlMs = EMPTY_STATE_TTL_MS): PresenceStore {
  return {
    forgetIfEmpty: (channel, at) => pool.use(async (conn) => {
      try {
        return (await conn.eval(FORGET_IF_EMPTY, 2, presenceKeys.members(channel), presenceKeys.state(channel), String(at.partition), at.offset)) === 1;
      } catch (err) {
        throw toRedisError(err, 'deleting an empty presence channel failed', { tenant: channel.tenant, topic: channel.topic });
      }
    }),
    async apply(cmd, at) {
      const channel: PresenceChannel = { tenant: cmd.tenant, private: cmd.private, topic: cmd.topic };
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const outcome = await pool.use(async (conn) => {
          try {
            return await attemptOnce(conn, rules, channel, cmd, at, now(), emptyStateTtlMs);
          } catch (err) {
            await unwatch(conn, presenceKeys.members(channel)).catch(() => {});
            throw toRedisError(err, 'applying a presence command failed', { tenant: cmd.tenant, topic: cmd.topic, op: cmd.op });
          }
        });
        if (outcome !== CONFLICT) return outcome;
      }
      throw new RealtimeError(ErrorCodes.RedisUnavailable, `presence channel kept changing under ${MAX_ATTEMPTS} transactions`, { details: { tenant: cmd.tenant, topic: cmd.topic } });
    },
  };
}

async function attemptOnce(conn: RedisClient, rules: PresenceRules, channel: PresenceChannel, cmd: PresenceCommand, at: Position, now: number, emptyStateTtlMs: number): Promise<ApplyOutcome | typeof CONFLICT> {
  const keys = { members: presenceKeys.members(channel), state: presenceKeys.state(channel) };
  // The epoch is not watched (another slot): a Redis restarted empty drops this connection, which
  // fails the EXEC; a flush in between is seen by the gateways' next heartbeat (a new epoch).
  // WATCH and the reads go out together, in this order on the channel's connection: one round trip
  // instead of three, and every read still comes after the WATCH that guards it.
  const nodeField = `node:${cmd.node}`;
  const scope = rules.scope(cmd);
  const [, [version, partition, offset, diff, nodeMembers], epoch, member] = await Promise.all([
    conn.watch(keys.members, keys.state),
    conn.hmget(keys.state, 'version', 'partition', 'offset', 'diff', nodeField),
    conn.get(presenceKeys.epoch),
    'member' in scope ? conn.hget(keys.members, scope.member) : null,
  ]);
  if (epoch === null) {
    // Redis lost its data since the last monitor tick: name the new data set, then start over.
    await unwatch(conn, keys.members);
    await conn.set(presenceKeys.epoch, randomUUID(), 'NX');
    return CONFLICT;
  }
  const state: ChannelState = {
    members: 'member' in scope ? oneMember(scope.member, member) : await readScope(conn, keys.members, scope),
    version: Number(version ?? 0),
    last: partition != null && offset != null && diff != null ? { partition: Number(partition), offset, diff } : null,
    epoch,
    nodeMembers: Number(nodeMembers ?? 0),
  };
  const plan = rules.plan(state, cmd, at, now);
  if (plan.kind !== 'write' || plan.applied.ignored !== undefined) {
    await unwatch(conn, keys.members);
    if (plan.kind === 'skip') return { kind: 'skipped', diff: null };
    if (plan.kind === 'republish') return { kind: 'republished', diff: plan.diff };
    return { kind: 'ignored', diff: null, reason: plan.applied.ignored! };
  }
  // Even with nothing to write, EXEC: the reads above were several commands, and only an EXEC
  // that WATCH did not abort proves they saw one consistent state (e.g. not members already
  // written by a racing owner next to a position not yet read as written).
  const { applied, node } = plan;
  // a pipeline, not a MULTI: on a single server this connection still holds the WATCH
  if (node?.add) checked(await conn.pipeline().sadd(presenceKeys.nodeChannels(node.id), channelId(channel)).sadd(presenceKeys.nodes, node.id).exec());
  const tx = conn.multi();
  if (applied.put.size > 0) tx.hset(keys.members, Object.fromEntries([...applied.put].map(([id, m]) => [id, JSON.stringify(m)])));
  if (applied.remove.length > 0) tx.hdel(keys.members, ...applied.remove);
  if (plan.diff) {
    // the diff's own version (core/step.ts nextVersion); WATCH makes this as safe as an HINCRBY
    tx.hset(keys.state, { version: String(plan.diff.version), partition: String(at.partition), offset: at.offset, diff: JSON.stringify(plan.diff) });
  }
  if (node) {
    if (node.members > 0) tx.hset(keys.state, nodeField, String(node.members));
    else tx.hdel(keys.state, nodeField);
  }
  // last: the channel's size after this command (realtime_presence_members, forgetIfEmpty)
  tx.eval(EXPIRE_IF_EMPTY, 2, keys.members, keys.state, String(emptyStateTtlMs));
  const results = await tx.exec();
  if (results === null) return CONFLICT;
  for (const [err] of results) if (err) throw err;
  if (node?.drop) {
    await conn.srem(presenceKeys.nodeChannels(node.id), channelId(channel));
    await conn.eval(FORGET_IF_IDLE, 2, presenceKeys.nodeChannels(node.id), presenceKeys.nodes, node.id);
  }
  const members = Number(results.at(-1)![1]);
  return plan.diff ? { kind: 'applied', diff: plan.diff, members } : { kind: 'unchanged', diff: null, members };
}

/** Ends a WATCH. A cluster client sends a keyless UNWATCH to any node, so there a MULTI/EXEC of one
 *  read of a watched key ends it instead, on the node that holds the WATCH. */
async function unwatch(conn: RedisClient, watchedKey: string): Promise<void> {
  if (conn instanceof Cluster) await conn.multi().exists(watchedKey).exec();
  else await conn.unwatch();
}

function checked(results: [Error | null, unknown][] | null): void {
  for (const [err] of results ?? []) if (err) throw err;
}

/** The one member a command can touch, from its HGET. */
function oneMember(id: string, json: string | null): Map<string, StoredMember> {
  return json === null ? new Map() : new Map([[id, JSON.parse(json) as StoredMember]]);
}

/** The members of an id prefix: an HSCAN. */
async function readScope(conn: RedisClient, key: string, scope: { prefix: string }): Promise<Map<string, StoredMember>> {
  const members = new Map<string, StoredMember>();
  const match = `${scope.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, flat] = await conn.hscan(key, cursor, 'MATCH', match, 'COUNT', 1000);
    for (let i = 0; i + 1 < flat.length; i += 2) members.set(flat[i]!, JSON.parse(flat[i + 1]!) as StoredMember);
    cursor = next;
  } while (cursor !== '0');
  return members;
}
