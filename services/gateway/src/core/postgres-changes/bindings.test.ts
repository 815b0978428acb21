import { describe, expect, it, vi } from 'vitest';
import { bindingId, bindingWants, echoBindings, joinReplyBindings, MAX_BINDINGS, parseBindings } from './bindings.ts';
import { CHANNEL_MAX_INSTRUCTIONS } from './patterns.ts';

describe('postgres_changes bindings', () => {
  it('echoes each raw map plus an integer id, in order, adding no keys', () => {
    const raws = [
      { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1' },
      { event: '*', schema: 'public' },
      { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1' },
    ];
    const parsed = parseBindings(raws);
    if (!parsed.ok) throw new Error(parsed.error);
    const reply = joinReplyBindings(parsed.bindings);
    expect(reply.map(({ id: _id, ...rest }) => rest)).toEqual(raws);
    expect(reply.every((b) => Number.isInteger(b.id) && (b.id as number) >= 0)).toBe(true);
    expect(reply[0]!.id).toBe(reply[2]!.id); // identical bindings share an id; the client dedupes them
    expect(reply[0]!.id).not.toBe(reply[1]!.id);
  });

  it('gives ids that do not depend on key order or on the process', () => {
    expect(bindingId({ a: 1, b: 'x' })).toBe(bindingId({ b: 'x', a: 1 }));
    expect(bindingId({ event: 'INSERT', schema: 'public', table: 'todos' })).toBe(26514351); // pinned: every gateway must compute the same id
  });

  it('defaults: only table means schema public, no table means every table, unknown event means *', () => {
    const parsed = parseBindings([{ table: 'todos' }, { schema: 'app', event: 'insert' }, { event: 'weird', schema: 'public' }]);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.bindings.map((b) => [b.event, b.schema, b.table])).toEqual([['*', 'public', 'todos'], ['INSERT', 'app', '*'], ['*', 'public', '*']]);
    expect(bindingWants(parsed.bindings[1]!, 'app', 'any', 'INSERT')).toBe(true);
    expect(bindingWants(parsed.bindings[1]!, 'app', 'any', 'DELETE')).toBe(false);
    expect(bindingWants(parsed.bindings[0]!, 'other', 'todos', 'UPDATE')).toBe(false);
  });

  it('keeps an empty schema or table name as given: it matches nothing, it is no wildcard', () => {
    const parsed = parseBindings([{ schema: 'public', table: '' }, { schema: '', table: 'todos' }]);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.bindings.map((b) => [b.schema, b.table])).toEqual([['public', ''], ['', 'todos']]);
    expect(bindingWants(parsed.bindings[0]!, 'public', 'todos', 'INSERT')).toBe(false);
  });

  it('refuses bad filters and select with a wildcard table', () => {
    expect(parseBindings([{ schema: 'public', table: 't', filter: 'id=nope.1' }])).toEqual({ ok: false, error: 'Error parsing `filter` params: nope is not a supported operator' });
    expect(parseBindings([{ schema: 'public', select: ['id'] }]).ok).toBe(false);
  });

  it(`refuses more than ${MAX_BINDINGS} bindings, and a select longer than a table can be`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ event: 'INSERT', schema: 'public', table: `t${i}` }));
    expect(parseBindings(many(MAX_BINDINGS)).ok).toBe(true);
    expect(parseBindings(many(MAX_BINDINGS + 1))).toEqual({
      ok: false, error: `Unable to subscribe to changes with given parameters. A channel accepts at most ${MAX_BINDINGS} postgres_changes bindings, got ${MAX_BINDINGS + 1}`,
    });
    // The join reply echoes no more than that, whatever the client sent.
    expect(echoBindings(many(100_000))).toHaveLength(MAX_BINDINGS);
    expect(echoBindings(many(3)).map((b) => b.table)).toEqual(['t0', 't1', 't2']);
    const select = Array.from({ length: 1601 }, (_, i) => `c${i}`);
    expect(parseBindings([{ schema: 'public', table: 't', select }])).toEqual({ ok: false, error: '`select` accepts at most 1600 columns, got 1601' });
  });

  it(`shares one budget of ${CHANNEL_MAX_INSTRUCTIONS} compiled pattern instructions among a channel's bindings`, () => {
    const heavy = (n: number) => Array.from({ length: n }, () => ({ event: 'INSERT', schema: 'public', table: 't', filter: 'v=match.(abcd){150}' })); // ~900 each
    expect(parseBindings(heavy(4)).ok).toBe(true);
    expect(parseBindings(heavy(5))).toEqual({
      ok: false, error: `Error parsing \`filter\` params: the channel's patterns are too complex together (at most ${CHANNEL_MAX_INSTRUCTIONS} instructions)`,
    });
    expect(parseBindings([...heavy(4), { event: 'INSERT', schema: 'public', table: 't', filter: 'v=eq.1' }]).ok).toBe(true); // only patterns count
  });

  it('hashes a deeply nested binding without recursing through all of it', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const id = bindingId({ event: 'INSERT', junk: deep });
    expect(Number.isInteger(id)).toBe(true);
    expect(bindingId({ event: 'INSERT', junk: deep })).toBe(id);
    expect(echoBindings([{ event: 'INSERT', junk: deep }])[0]!.id).toBe(id);
  });

  it('hashes a binding with a huge object or list without walking all of it', () => {
    const wide = JSON.parse(`{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":0`).join(',')}}`) as Record<string, number>;
    const list = Array.from({ length: 100_000 }, () => 0);
    const spy = vi.spyOn(JSON, 'stringify');
    const id = bindingId({ event: 'INSERT', junk: wide, list });
    const calls = spy.mock.calls.length;
    spy.mockRestore();
    expect(calls).toBeLessThan(100); // the two giants hashed as constants, not value by value
    expect(bindingId({ event: 'INSERT', list: [0], junk: { other: 1 } })).not.toBe(id);
    expect(bindingId({ event: 'INSERT', select: Array.from({ length: 1600 }, (_, i) => `c${i}`) })).not.toBe(bindingId({ event: 'INSERT', select: Array.from({ length: 1600 }, (_, i) => `c${i === 1599 ? 'x' : i}`) }));
  });
});

