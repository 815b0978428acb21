// The presence semantics of one command on one channel (docs/PROTOCOL.md §5), pure: (members, command) → the
// new members, the writes that get there, and the presence_diff subscribers see. An update is ONE
// diff (joins: new meta with phx_ref_prev, leaves: old meta, Phoenix's put_update); an identical
// re-track changes nothing. `members` must hold at least the members in `scopeOf(command)`;
// passing every member of the channel works too.
import type { PresenceCommand } from '@realtime/schemas';
import { memberId, nodeOfMember, toState, type Meta, type PresenceState, type StoredMember } from '@realtime/presence';
import { sameJson } from './same-json.ts';

export type Members = ReadonlyMap<string, StoredMember>;

export interface Diff {
  joins: PresenceState;
  leaves: PresenceState;
}

export interface Applied {
  members: Map<string, StoredMember>;
  /** Members to (over)write and to delete: the Redis writes of this command. */
  put: Map<string, StoredMember>;
  remove: string[];
  diff: Diff;
  /** Set when the command is malformed and was ignored (the caller logs it). */
  ignored?: string;
}

/** Which members a command can touch: one member id, or every id starting with a prefix. */
export type Scope = { member: string } | { prefix: string };

export function scopeOf(cmd: PresenceCommand): Scope {
  switch (cmd.op) {
    case 'TRACK': case 'REASSERT': case 'UNTRACK': return { member: memberId(cmd.node, cmd.connection_id, cmd.join_ref) };
    // memberId(node, conn, '') is `node|conn|`: every join_ref of that connection
    case 'LEAVE_CONNECTION': return { prefix: memberId(cmd.node, cmd.connection_id, '') };
    case 'NODE_DOWN': return { prefix: `${cmd.node}|` };
  }
}

export const isEmptyDiff = (d: Diff) => Object.keys(d.joins).length === 0 && Object.keys(d.leaves).length === 0;

export function apply(members: Members, cmd: PresenceCommand): Applied {
  switch (cmd.op) {
    case 'TRACK': return track(members, cmd, false);
    case 'REASSERT': return track(members, cmd, true);
    case 'UNTRACK': return removeWhere(members, (id) => id === memberId(cmd.node, cmd.connection_id, cmd.join_ref));
    case 'LEAVE_CONNECTION': {
      const prefix = memberId(cmd.node, cmd.connection_id, '');
      return removeWhere(members, (id) => id.startsWith(prefix));
    }
    case 'NODE_DOWN': return removeWhere(members, (id) => nodeOfMember(id) === cmd.node);
  }
}

function track(members: Members, cmd: PresenceCommand, reassert: boolean): Applied {
  const parsed = parseMeta(cmd.meta_json);
  if (typeof parsed === 'string') return unchanged(members, parsed);
  if (cmd.key === null) return unchanged(members, `${cmd.op} without a presence key`);
  if (cmd.phx_ref === null) return unchanged(members, `${cmd.op} without a phx_ref`);
  const id = memberId(cmd.node, cmd.connection_id, cmd.join_ref);
  const next: StoredMember = { key: cmd.key, meta: { ...parsed, phx_ref: cmd.phx_ref } };
  const old = members.get(id);
  if (old && old.key === next.key && (reassert ? sameJson(old.meta, next.meta) : sameJson(withoutRef(old.meta), withoutRef(next.meta)))) return unchanged(members);
  const out = new Map(members).set(id, next);
  const diff: Diff = old
    ? { joins: { [next.key]: { metas: [{ ...next.meta, phx_ref_prev: old.meta.phx_ref }] } }, leaves: { [old.key]: { metas: [old.meta] } } }
    : { joins: { [next.key]: { metas: [next.meta] } }, leaves: {} };
  return { members: out, put: new Map([[id, next]]), remove: [], diff };
}

function removeWhere(members: Members, match: (id: string) => boolean): Applied {
  const gone = [...members].filter(([id]) => match(id));
  if (gone.length === 0) return unchanged(members);
  const out = new Map(members);
  for (const [id] of gone) out.delete(id);
  return { members: out, put: new Map(), remove: gone.map(([id]) => id), diff: { joins: {}, leaves: toState(gone) } };
}

function unchanged(members: Members, ignored?: string): Applied {
  return { members: new Map(members), put: new Map(), remove: [], diff: { joins: {}, leaves: {} }, ...(ignored ? { ignored } : {}) };
}

/** The tracked payload as an object, or why it is not one. A missing payload tracks `{}`. */
function parseMeta(json: string | null): Record<string, unknown> | string {
  if (json === null) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'meta_json is not valid JSON';
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : 'meta_json is not a JSON object';
}

function withoutRef(meta: Meta): Record<string, unknown> {
  const { phx_ref: _ref, ...rest } = meta;
  return rest;
}
