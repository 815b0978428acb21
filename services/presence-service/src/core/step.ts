// Exactly-once effect over at-least-once consumption, pure. A channel's commands arrive on one
// partition, in order; its state remembers the position of the last command that changed it and
// that command's diff record. A replayed command behind that position was applied and published:
// skip it. The command AT that position was applied, but the process may have died before Kafka
// acknowledged its diff: publish the stored record again (same version; gateways drop duplicates).
// Anything newer is applied; its state change, version, position and diff are written together.
//
// It also keeps the node bookkeeping exact: the state counts the members each gateway node has in
// the channel, so the channel is in the node's channel set exactly while that count is positive,
// and a dead node's NODE_DOWN commands go only to channels where it still has members.
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import { apply, isEmptyDiff, type Applied, type Members } from './apply.ts';

export interface Position {
  partition: number;
  /** Kafka offset (int64 as a decimal string). */
  offset: string;
}

export interface ChannelState {
  /** At least the members in scopeOf(command). */
  members: Members;
  version: number;
  /** Position of the last command that produced a diff, and the JSON of its PresenceDiff record. */
  last: (Position & { diff: string }) | null;
  epoch: string;
  /** Members of the command's node in this channel, as counted in the state. */
  nodeMembers: number;
}

/** The command's node after the command: its member count here, and whether the channel joins
 *  (add) or leaves (drop) the node's channel set. */
export interface NodeChange {
  id: string;
  members: number;
  add: boolean;
  drop: boolean;
}

export type Plan =
  | { kind: 'skip' }
  | { kind: 'republish'; diff: PresenceDiff }
  | {
    kind: 'write';
    applied: Applied;
    /** null: nothing changed for subscribers; version and position stay as they are. */
    diff: PresenceDiff | null;
    /** null: the node's bookkeeping does not change. */
    node: NodeChange | null;
  };

export function step(state: ChannelState, cmd: PresenceCommand, at: Position, now: number): Plan {
  if (state.last && state.last.partition === at.partition) {
    const order = compareOffsets(at.offset, state.last.offset);
    if (order < 0) return { kind: 'skip' };
    if (order === 0) return { kind: 'republish', diff: JSON.parse(state.last.diff) as PresenceDiff };
  }
  const applied = apply(state.members, cmd);
  const diff: PresenceDiff | null = isEmptyDiff(applied.diff) ? null : {
    tenant: cmd.tenant,
    topic: cmd.topic,
    private: cmd.private,
    joins_json: JSON.stringify(applied.diff.joins),
    leaves_json: JSON.stringify(applied.diff.leaves),
    version: nextVersion(state.version, at),
    epoch: state.epoch,
    at: now,
  };
  return { kind: 'write', applied, diff, node: nodeChange(state, cmd, applied) };
}

/**
 * A channel's state is deleted once it has no members (the store's `forgetIfEmpty`), so its count
 * cannot simply restart at 1: a gateway still holding version N would drop versions 1..N of the
 * channel's next life as already seen. A fresh count starts at the command's offset + 1 instead:
 * every earlier version of the channel came from a command on the same partition at a lower offset
 * and never exceeds that offset + 1 (each diff consumes one offset and adds one), so versions keep
 * increasing across the deletion. Within one life the count goes up by one per diff.
 */
export function nextVersion(version: number, at: Position): number {
  return version > 0 ? version + 1 : Number(at.offset) + 1;
}

// Every member id a command puts or removes belongs to cmd.node (memberId starts with it).
function nodeChange(state: ChannelState, cmd: PresenceCommand, applied: Applied): NodeChange | null {
  const id = cmd.node;
  // Always, even without members here: the node's set may still list this channel.
  if (cmd.op === 'NODE_DOWN') return { id, members: 0, add: false, drop: true };
  const joined = [...applied.put.keys()].filter((m) => !state.members.has(m)).length;
  if (applied.put.size > 0) return { id, members: state.nodeMembers + joined, add: true, drop: false };
  if (applied.remove.length === 0) return null;
  const members = Math.max(0, state.nodeMembers - applied.remove.length);
  return { id, members, add: false, drop: members === 0 };
}

export function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
