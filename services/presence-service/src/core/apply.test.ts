// Presence semantics of each command (docs/PROTOCOL.md §5 and the presence-service brief), on plain maps.
import { describe, expect, it } from 'vitest';
import { memberId, type StoredMember } from '@realtime/presence';
import type { PresenceCommand } from '@realtime/schemas';
import { apply, isEmptyDiff, scopeOf, type Members } from './apply.ts';

const base: PresenceCommand = {
  tenant: 't1', topic: 'room', private: false, op: 'TRACK', node: 'gw-1', connection_id: 'c1', join_ref: '1',
  key: 'alice', meta_json: '{"status":"online"}', phx_ref: 'A', at: 0,
};
const cmd = (patch: Partial<PresenceCommand>): PresenceCommand => ({ ...base, ...patch });
const id = (node = 'gw-1', conn = 'c1', ref: string | null = '1') => memberId(node, conn, ref);
const member = (key: string, meta: Record<string, unknown>, phx_ref: string): StoredMember => ({ key, meta: { ...meta, phx_ref } });
const none: Members = new Map();

describe('TRACK', () => {
  it('joins a new member with its meta and phx_ref', () => {
    const r = apply(none, cmd({}));
    expect(r.diff).toEqual({ joins: { alice: { metas: [{ status: 'online', phx_ref: 'A' }] } }, leaves: {} });
    expect([...r.put]).toEqual([[id(), member('alice', { status: 'online' }, 'A')]]);
    expect(r.members.get(id())).toEqual(member('alice', { status: 'online' }, 'A'));
    expect(r.remove).toEqual([]);
  });

  it('updates with ONE diff: joins carry phx_ref_prev, leaves the old meta; the stored meta has no phx_ref_prev', () => {
    const before = new Map([[id(), member('alice', { status: 'online' }, 'A')]]);
    const r = apply(before, cmd({ meta_json: '{"status":"away"}', phx_ref: 'B' }));
    expect(r.diff).toEqual({
      joins: { alice: { metas: [{ status: 'away', phx_ref: 'B', phx_ref_prev: 'A' }] } },
      leaves: { alice: { metas: [{ status: 'online', phx_ref: 'A' }] } },
    });
    expect(r.members.get(id())).toEqual(member('alice', { status: 'away' }, 'B'));
    expect(r.put.get(id())).toEqual(member('alice', { status: 'away' }, 'B'));
  });

  it('treats an identical re-track (other phx_ref, keys in another order) as a no-op', () => {
    const before = new Map([[id(), member('alice', { a: 1, b: { c: [1, 2] } }, 'A')]]);
    const r = apply(before, cmd({ meta_json: '{"b":{"c":[1,2]},"a":1}', phx_ref: 'B' }));
    expect(isEmptyDiff(r.diff)).toBe(true);
    expect(r.put.size).toBe(0);
    expect(r.members).toEqual(before);
  });

  it('is an update when the same member tracks under another key', () => {
    const before = new Map([[id(), member('alice', { status: 'online' }, 'A')]]);
    const r = apply(before, cmd({ key: 'bob', phx_ref: 'B' }));
    expect(r.diff).toEqual({
      joins: { bob: { metas: [{ status: 'online', phx_ref: 'B', phx_ref_prev: 'A' }] } },
      leaves: { alice: { metas: [{ status: 'online', phx_ref: 'A' }] } },
    });
  });

  it('tracks an empty payload as {} and leaves other members alone', () => {
    const other = [id('gw-2', 'c9', '4'), member('zed', {}, 'Z')] as const;
    const r = apply(new Map([other]), cmd({ meta_json: null }));
    expect(r.diff.joins).toEqual({ alice: { metas: [{ phx_ref: 'A' }] } });
    expect(r.members.get(other[0])).toEqual(other[1]);
  });

  it('ignores malformed commands without changing anything', () => {
    for (const bad of [{ meta_json: '[1]' }, { meta_json: '{' }, { meta_json: '"x"' }, { key: null }, { phx_ref: null }]) {
      const r = apply(none, cmd(bad));
      expect(r.ignored).toBeTypeOf('string');
      expect(isEmptyDiff(r.diff)).toBe(true);
      expect(r.put.size).toBe(0);
    }
  });
});

describe('REASSERT', () => {
  it('joins a member that Redis lost', () => {
    expect(apply(none, cmd({ op: 'REASSERT' })).diff.joins).toEqual({ alice: { metas: [{ status: 'online', phx_ref: 'A' }] } });
  });

  it('gives no diff when the stored meta is identical including phx_ref', () => {
    const before = new Map([[id(), member('alice', { status: 'online' }, 'A')]]);
    expect(isEmptyDiff(apply(before, cmd({ op: 'REASSERT' })).diff)).toBe(true);
  });

  it('is an update when only the phx_ref differs', () => {
    const before = new Map([[id(), member('alice', { status: 'online' }, 'A')]]);
    const r = apply(before, cmd({ op: 'REASSERT', phx_ref: 'B' }));
    expect(r.diff).toEqual({
      joins: { alice: { metas: [{ status: 'online', phx_ref: 'B', phx_ref_prev: 'A' }] } },
      leaves: { alice: { metas: [{ status: 'online', phx_ref: 'A' }] } },
    });
  });
});

describe('UNTRACK', () => {
  it('removes exactly that member', () => {
    const before = new Map([[id(), member('alice', { s: 1 }, 'A')], [id('gw-1', 'c1', '2'), member('alice', { s: 2 }, 'B')]]);
    const r = apply(before, cmd({ op: 'UNTRACK', key: null, meta_json: null, phx_ref: null }));
    expect(r.diff).toEqual({ joins: {}, leaves: { alice: { metas: [{ s: 1, phx_ref: 'A' }] } } });
    expect(r.remove).toEqual([id()]);
    expect([...r.members.keys()]).toEqual([id('gw-1', 'c1', '2')]);
  });

  it('of an unknown member is an empty diff', () => {
    const r = apply(none, cmd({ op: 'UNTRACK' }));
    expect(isEmptyDiff(r.diff)).toBe(true);
    expect(r.remove).toEqual([]);
  });
});

describe('LEAVE_CONNECTION', () => {
  const before = new Map([
    [id('gw-1', 'c1', '1'), member('alice', { s: 1 }, 'A')],
    [id('gw-1', 'c1', null), member('alice', { s: 2 }, 'B')],
    [id('gw-1', 'c10', '1'), member('carol', {}, 'C')],
    [id('gw-2', 'c1', '1'), member('dave', {}, 'D')],
  ]);

  it('removes every member of (node, connection) whatever the join_ref, and nothing else', () => {
    const r = apply(before, cmd({ op: 'LEAVE_CONNECTION', join_ref: null, key: null, meta_json: null, phx_ref: null }));
    expect(r.diff).toEqual({ joins: {}, leaves: { alice: { metas: [{ s: 2, phx_ref: 'B' }, { s: 1, phx_ref: 'A' }] } } });
    expect(r.remove.sort()).toEqual([id('gw-1', 'c1', null), id('gw-1', 'c1', '1')].sort());
    expect([...r.members.keys()].sort()).toEqual([id('gw-1', 'c10', '1'), id('gw-2', 'c1', '1')].sort());
  });

  it('scopes its reads to the connection prefix', () => {
    expect(scopeOf(cmd({ op: 'LEAVE_CONNECTION', join_ref: '7' }))).toEqual({ prefix: 'gw-1|c1|' });
  });
});

describe('NODE_DOWN', () => {
  it('removes every member of the node, grouping the leaves by key; other nodes stay', () => {
    const before = new Map([
      [id('gw-1', 'c1', '1'), member('alice', {}, 'A')],
      [id('gw-1', 'c2', '1'), member('bob', {}, 'B')],
      [id('gw-1', 'c3', '1'), member('alice', {}, 'C')],
      [id('gw-10', 'c1', '1'), member('eve', {}, 'E')],
    ]);
    const r = apply(before, cmd({ op: 'NODE_DOWN', connection_id: '', join_ref: null, key: null, meta_json: null, phx_ref: null }));
    expect(r.diff).toEqual({ joins: {}, leaves: { alice: { metas: [{ phx_ref: 'A' }, { phx_ref: 'C' }] }, bob: { metas: [{ phx_ref: 'B' }] } } });
    expect([...r.members.keys()]).toEqual([id('gw-10', 'c1', '1')]);
    expect(scopeOf(cmd({ op: 'NODE_DOWN' }))).toEqual({ prefix: 'gw-1|' });
  });

  it('of a node without members here is an empty diff', () => {
    expect(isEmptyDiff(apply(none, cmd({ op: 'NODE_DOWN' })).diff)).toBe(true);
  });
});
