// Offsets make the effect exactly-once: behind the last applied position → skip, at it → the stored
// diff again, past it → apply with the next version and the current epoch.
import { describe, expect, it } from 'vitest';
import { memberId } from '@realtime/presence';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import { compareOffsets, step, type ChannelState } from './step.ts';

const track: PresenceCommand = {
  tenant: 't1', topic: 'room', private: true, op: 'TRACK', node: 'gw-1', connection_id: 'c1', join_ref: '1',
  key: 'alice', meta_json: '{}', phx_ref: 'A', at: 0,
};
const stored: PresenceDiff = { tenant: 't1', topic: 'room', private: true, joins_json: '{}', leaves_json: '{"x":{"metas":[]}}', version: 4, epoch: 'e0', at: 1 };
const state = (patch: Partial<ChannelState> = {}): ChannelState => ({
  members: new Map(), version: 4, epoch: 'e1', nodeMembers: 0, last: { partition: 3, offset: '10', diff: JSON.stringify(stored) }, ...patch,
});

describe('step', () => {
  it('skips a command behind the last applied position', () => {
    expect(step(state(), track, { partition: 3, offset: '9' }, 5)).toEqual({ kind: 'skip' });
  });

  it('re-publishes the stored diff, unchanged, for the command at the last applied position', () => {
    expect(step(state(), track, { partition: 3, offset: '10' }, 5)).toEqual({ kind: 'republish', diff: stored });
  });

  it('applies a newer command with the next version, the current epoch and the time of application', () => {
    const plan = step(state(), track, { partition: 3, offset: '11' }, 5);
    expect(plan).toMatchObject({ kind: 'write', node: { id: 'gw-1', members: 1, add: true, drop: false } });
    if (plan.kind !== 'write') throw new Error('unreachable');
    expect(plan.diff).toEqual({
      tenant: 't1', topic: 'room', private: true, version: 5, epoch: 'e1', at: 5,
      joins_json: '{"alice":{"metas":[{"phx_ref":"A"}]}}', leaves_json: '{}',
    });
  });

  it('applies everything on a fresh channel, and compares offsets as int64 (not as text)', () => {
    expect(step(state({ last: null, version: 0 }), track, { partition: 0, offset: '0' }, 5)).toMatchObject({ kind: 'write', diff: { version: 1 } });
    expect(step(state({ last: { partition: 3, offset: '9', diff: '{}' } }), track, { partition: 3, offset: '10' }, 5)).toMatchObject({ kind: 'write' });
    expect(compareOffsets('9007199254740993', '9007199254740992')).toBe(1);
  });

  it('starts a deleted channel\'s next life above every version of its last one (offset + 1)', () => {
    // last life: first command at offset 3 → version 4, then one diff per later offset
    expect(step(state({ last: null, version: 0 }), track, { partition: 3, offset: '3' }, 5)).toMatchObject({ diff: { version: 4 } });
    expect(step(state({ last: { partition: 3, offset: '9', diff: '{}' }, version: 6 }), track, { partition: 3, offset: '12' }, 5)).toMatchObject({ diff: { version: 7 } });
    // its state was deleted after it emptied; the next command (offset 13) starts above 7
    expect(step(state({ last: null, version: 0 }), track, { partition: 3, offset: '13' }, 5)).toMatchObject({ diff: { version: 14 } });
  });

  it('applies a command from another partition (the topic got more partitions)', () => {
    expect(step(state(), track, { partition: 5, offset: '2' }, 5)).toMatchObject({ kind: 'write', diff: { version: 5 } });
  });

  it('writes nothing for subscribers when nothing changes: no diff, no version', () => {
    const members = new Map([[memberId('gw-1', 'c1', '1'), { key: 'alice', meta: { phx_ref: 'Z' } }]]);
    expect(step(state({ members, nodeMembers: 1 }), track, { partition: 3, offset: '11' }, 5)).toMatchObject({ kind: 'write', diff: null, node: null });
  });

  it('drops the channel from a down node\'s set even when the node had no member here', () => {
    const down = { ...track, op: 'NODE_DOWN' as const, key: null, meta_json: null, phx_ref: null };
    expect(step(state(), down, { partition: 3, offset: '11' }, 5)).toMatchObject({ kind: 'write', diff: null, node: { id: 'gw-1', members: 0, drop: true } });
  });

  it('counts the node\'s members here: an update keeps the count, the last leave drops the channel from the node\'s set', () => {
    const id = memberId('gw-1', 'c1', '1');
    const members = new Map([[id, { key: 'alice', meta: { phx_ref: 'Z', x: 1 } }]]);
    const at = { partition: 3, offset: '11' };
    expect(step(state({ members, nodeMembers: 2 }), track, at, 5)).toMatchObject({ node: { members: 2, add: true, drop: false } });
    const untrack = { ...track, op: 'UNTRACK' as const };
    expect(step(state({ members, nodeMembers: 2 }), untrack, at, 5)).toMatchObject({ node: { members: 1, add: false, drop: false } });
    expect(step(state({ members, nodeMembers: 1 }), untrack, at, 5)).toMatchObject({ node: { members: 0, add: false, drop: true } });
    expect(step(state({ nodeMembers: 1 }), untrack, at, 5)).toMatchObject({ node: null }); // nothing removed
  });
});
