import { describe, expect, it } from 'vitest';
import { FILTER_MAX_CHARS, parseFilters, splitOutside, VALUE_MAX_CHARS } from './filters.ts';
import { PATTERN_MAX_CHARS } from './patterns.ts';

describe('parseFilters', () => {
  it('parses every operator, with and without not.', () => {
    for (const op of ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'like', 'ilike', 'match', 'imatch', 'isdistinct']) {
      expect(parseFilters(`c=${op}.v`)).toMatchObject({ ok: true, filters: [{ column: 'c', op, negate: false, value: 'v' }] });
      expect(parseFilters(`c=not.${op}.v`)).toMatchObject({ ok: true, filters: [{ column: 'c', op, negate: true, value: 'v' }] });
    }
  });

  it('ANDs several filters and keeps dots in values', () => {
    expect(parseFilters('id=gt.1,price=lte.9.99')).toEqual({ ok: true, filters: [
      { column: 'id', op: 'gt', negate: false, value: '1' },
      { column: 'price', op: 'lte', negate: false, value: '9.99' },
    ] });
  });

  it('parses in. lists with quoted items, up to 100 values', () => {
    expect(parseFilters('name=in.(a,"b,c","d\\"e")')).toEqual({ ok: true, filters: [{ column: 'name', op: 'in', negate: false, value: ['a', 'b,c', 'd"e'] }] });
    const hundred = Array.from({ length: 100 }, (_, i) => i).join(',');
    expect(parseFilters(`id=in.(${hundred})`).ok).toBe(true);
    expect(parseFilters(`id=in.(${hundred},100)`)).toEqual({ ok: false, error: 'in. accepts at most 100 values, got 101' });
  });

  it('parses is. with null, true, false and unknown only', () => {
    expect(parseFilters('done=is.null')).toEqual({ ok: true, filters: [{ column: 'done', op: 'is', negate: false, value: null }] });
    expect(parseFilters('done=is.TRUE').ok).toBe(true);
    expect(parseFilters('done=is.maybe')).toEqual({ ok: false, error: 'is. accepts null, true, false or unknown, got maybe' });
  });

  it('unquotes double-quoted values and treats an empty filter as none', () => {
    expect(parseFilters('title=eq."a, (b)"')).toEqual({ ok: true, filters: [{ column: 'title', op: 'eq', negate: false, value: 'a, (b)' }] });
    expect(parseFilters('')).toEqual({ ok: true, filters: [] });
    expect(parseFilters(undefined)).toEqual({ ok: true, filters: [] });
  });

  it('explains what is wrong with a bad filter', () => {
    expect(parseFilters('id')).toEqual({ ok: false, error: 'id is not of the form column=operator.value' });
    expect(parseFilters('id=foo.1')).toEqual({ ok: false, error: 'foo is not a supported operator' });
    expect(parseFilters('id=eq')).toEqual({ ok: false, error: 'id=eq has no value' });
    expect(parseFilters('id=in.1,2')).toEqual({ ok: false, error: 'in. needs a list in parentheses: 1' });
  });

  it('splits only outside quotes and parentheses', () => {
    expect(splitOutside('a,"b,c",(d,e),f', ',')).toEqual(['a', '"b,c"', '(d,e)', 'f']);
  });

  it('compiles pattern operators once, and refuses a pattern that does not compile', () => {
    const parsed = parseFilters('title=ilike.hello%,title=match.^H');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.filters.map((f) => f.pattern?.test('Hello'))).toEqual([true, true]);
    expect(parseFilters('id=eq.1')).toEqual({ ok: true, filters: [{ column: 'id', op: 'eq', negate: false, value: '1' }] });
    expect(parseFilters('title=match.(')).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid match\. pattern "\(": /) });
    expect(parseFilters('title=like.50\\')).toEqual({ ok: false, error: 'invalid like. pattern "50\\\\": LIKE pattern must not end with escape character' });
  });

  it('bounds the filter text, each value and each pattern', () => {
    expect(parseFilters(`id=eq.${'1'.repeat(FILTER_MAX_CHARS)}`)).toEqual({ ok: false, error: `filter is longer than ${FILTER_MAX_CHARS} characters` });
    expect(parseFilters(`t=eq.${'x'.repeat(VALUE_MAX_CHARS)}`).ok).toBe(true);
    expect(parseFilters(`t=eq.${'x'.repeat(VALUE_MAX_CHARS + 1)}`)).toEqual({ ok: false, error: `eq. value is longer than ${VALUE_MAX_CHARS} characters` });
    expect(parseFilters(`t=in.(a,${'x'.repeat(VALUE_MAX_CHARS + 1)})`)).toEqual({ ok: false, error: `in. values are limited to ${VALUE_MAX_CHARS} characters` });
    expect(parseFilters(`t=like.${'x'.repeat(PATTERN_MAX_CHARS + 1)}`)).toEqual({ ok: false, error: `like. pattern is longer than ${PATTERN_MAX_CHARS} characters` });
  });
});
