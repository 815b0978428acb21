import { describe, expect, it, vi } from 'vitest';
import { parseFilters, type Filter } from './filters.ts';
import { matches, validateFilters, type Column } from './matcher.ts';

const columns: Column[] = [
  { name: 'id', type: 'int8' }, { name: 'price', type: 'numeric' }, { name: 'title', type: 'text' }, { name: 'done', type: 'bool' },
  { name: 'at', type: 'timestamptz' }, { name: 'day', type: 'date' }, { name: 'meta', type: 'jsonb' }, { name: 'owner', type: 'uuid' }, { name: 'note', type: 'text' },
  { name: 'bin', type: 'bytea' },
];
const record = { id: 10, price: 9.5, title: 'Hello World', done: false, at: '2026-08-21T12:00:00+00:00', day: '2026-08-21', meta: { a: 1 }, owner: 'b3c1', note: null, bin: '00ff10' };
const check = (filter: string) => {
  const parsed = parseFilters(filter);
  if (!parsed.ok) throw new Error(parsed.error);
  return matches(parsed.filters, record, columns);
};

describe('matches', () => {
  it.each([
    ['id=eq.10', true], ['id=eq.9', false], ['id=neq.9', true], ['id=lt.11', true], ['id=lte.10', true], ['id=gt.10', false], ['id=gte.10', true],
    ['id=gt.9', true], ['price=gt.9.25', true], ['price=eq.9.50', true], // numeric compare: 9.50 = 9.5, and 10 > 9 (not text order)
    ['title=eq.Hello World', true], ['title=lt.Hi', true], ['title=like.Hello%', true], ['title=like.hello%', false], ['title=ilike.hello%', true],
    ['title=like.H_llo World', true], ['title=match.^Hel+o', true], ['title=imatch.^hello', true],
    ['done=eq.false', true], ['done=eq.f', true], ['done=is.false', true], ['done=is.true', false],
    ['at=gt.2026-08-21T11:00:00Z', true], ['at=eq.2026-08-21 14:00:00+02', true], ['day=lt.2026-08-22', true],
    ['meta=eq.{"a": 1}', true], ['owner=eq.b3c1', true],
    ['bin=eq.\\x00FF10', true], ['bin=eq.\\x00ff11', false], ['bin=in.(\\x01,\\x00ff10)', true], // bytea: bare hex in the record
    ['id=in.(1,10,100)', true], ['id=in.(1,2)', false], ['title=in.("Hello World",x)', true],
    ['price=in.(1,9.50)', true], ['at=in.(2026-08-21 14:00:00+02)', true], ['done=in.(f)', true], ['meta=in.({"a":1})', true], ['id=in.(010)', true],
    ['id=not.eq.10', false], ['id=not.in.(1,2)', true], ['title=not.like.Bye%', true],
    ['id=isdistinct.11', true], ['id=isdistinct.10', false], ['id=gt.5,price=lt.10', true], ['id=gt.5,price=gt.10', false],
  ])('%s → %s', (filter, expected) => expect(check(filter)).toBe(expected));

  it('follows SQL NULL semantics', () => {
    expect(check('note=eq.x')).toBe(false);
    expect(check('note=not.eq.x')).toBe(false); // NULL <> 'x' is unknown, not true
    expect(check('note=is.null')).toBe(true);
    expect(check('note=not.is.null')).toBe(false);
    expect(check('note=isdistinct.x')).toBe(true);
    expect(check('note=is.unknown')).toBe(true);
  });
});

describe('validateFilters', () => {
  const validate = (filter: string) => {
    const parsed = parseFilters(filter);
    return parsed.ok ? validateFilters(parsed.filters, columns) : parsed.error;
  };
  it('accepts known columns with values that cast', () => {
    expect(validate('id=eq.1,price=gt.2.5,done=is.true,at=lt.2026-01-01')).toBeNull();
  });
  it('refuses unknown columns, values that do not cast, and is.true on a non-boolean', () => {
    expect(validate('nope=eq.1')).toBe('column nope does not exist');
    expect(validate('id=eq.abc')).toBe('invalid input for type int8: "abc"');
    expect(validate('id=in.(1,x)')).toBe('invalid input for type int8: "x"');
    expect(validate('title=is.true')).toBe('is.true needs a boolean column, title is text');
  });
});

describe('matches never throws', () => {
  it('treats a filter that fails while testing as no match for that binding only', () => {
    const throwing: Filter = { column: 'title', op: 'match', negate: false, value: 'x', pattern: { test: () => { throw new Error('boom'); } } };
    expect(matches([throwing], record, columns)).toBe(false);
    expect(matches([{ ...throwing, negate: true }], record, columns)).toBe(false);
    // A filter that never went through parseFilters (no compiled pattern, a value JavaScript's
    // RegExp rejects) is refused the same way instead of throwing into the fan-out.
    expect(matches([{ column: 'title', op: 'match', negate: false, value: '(' }], record, columns)).toBe(false);
    expect(check('title=match.^Hello')).toBe(true);
  });
});

describe('in lists', () => {
  it('casts the list once and still answers per record and per column type', () => {
    const parsed = parseFilters('id=in.(1,10,x)');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(matches(parsed.filters, { id: 10 }, columns)).toBe(true);
    expect(matches(parsed.filters, { id: 11 }, columns)).toBe(false);
    expect(matches(parsed.filters, { id: '10' }, columns)).toBe(true);
    // The same filter against a text column compares as text: '10' is in, '010' is not.
    const asText = [{ name: 'id', type: 'text' }];
    expect(matches(parsed.filters, { id: '010' }, asText)).toBe(false);
    expect(matches(parsed.filters, { id: 'x' }, asText)).toBe(true);
    expect(matches(parsed.filters, { id: 10 }, columns)).toBe(true);
  });
});

describe('work per change', () => {
  it('casts and serialises each column of a record once, however many bindings test it', () => {
    const bindings = Array.from({ length: 50 }, (_, i) => {
      const parsed = parseFilters(`meta=like.%${i}%,meta=neq.{"a":${i}}`);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.filters;
    });
    const change = { meta: { a: 1, big: 'x'.repeat(10_000) } };
    for (const filters of bindings) for (const f of filters) matches([f], change, columns); // the filters' own values, cast once
    const stringify = vi.spyOn(JSON, 'stringify');
    const next = { meta: { a: 2, big: 'y'.repeat(10_000) } };
    const matched = bindings.filter((filters) => matches(filters, next, columns));
    const calls = stringify.mock.calls.length;
    stringify.mockRestore();
    expect(matched).toEqual([bindings[2]]); // only `%2%` is in the text; {"a":2,…} is still neq {"a":2}
    expect(calls).toBeLessThanOrEqual(2); // once as json, once as text: not once per filter (100)
  });
});

