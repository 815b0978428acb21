import { describe, expect, it, vi } from 'vitest';
import { RE2JS } from 're2js';
import { CHANNEL_MAX_WORK, channelBudget, compilePattern, PATTERN_MAX_CHARS, PATTERN_MAX_INSTRUCTIONS, PATTERN_MAX_WORK } from './patterns.ts';

const test = (op: 'like' | 'ilike' | 'match' | 'imatch', pattern: string, text: string) => {
  const compiled = compilePattern(op, pattern);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.pattern.test(text);
};
const error = (op: 'like' | 'ilike' | 'match' | 'imatch', pattern: string) => {
  const compiled = compilePattern(op, pattern);
  return compiled.ok ? null : compiled.error;
};

describe('like / ilike', () => {
  it.each([
    ['Hello%', 'Hello World', true], ['%World', 'Hello World', true], ['%lo W%', 'Hello World', true], ['Hello', 'Hello World', false],
    ['H_llo World', 'Hello World', true], ['H_llo', 'Hllo', false], ['%', '', true], ['_', '', false], ['a%b%c', 'axxbyyc', true], ['a%b%c', 'axxcyyb', false],
    ['100\\%', '100%', true], ['100\\%', '1000', false], ['a\\_b', 'a_b', true], ['a\\_b', 'axb', false], ['a\\\\b', 'a\\b', true],
    ['a.c', 'abc', false], ['(x)[y]*', '(x)[y]*', true], ['%', 'line\nbreak', true], ['_', 'é', true], ['_', '😀', true],
    ['hello%', 'Hello', false],
  ])('like %j on %j → %s', (pattern, text, expected) => expect(test('like', pattern, text)).toBe(expected));

  it('ilike ignores case', () => {
    expect(test('ilike', 'hello%', 'HeLLo World')).toBe(true);
    expect(test('ilike', '%WORLD', 'hello world')).toBe(true);
    expect(test('ilike', 'x%', 'Hello')).toBe(false);
  });

  it('refuses a pattern that ends with the escape character, as Postgres does', () => {
    expect(error('like', 'abc\\')).toBe('invalid like. pattern "abc\\\\": LIKE pattern must not end with escape character');
  });
});

describe('match / imatch', () => {
  it.each([
    ['^Hel+o', 'Hello World', true], ['World$', 'Hello World', true], ['^World', 'Hello World', false], ['o W', 'Hello World', true],
    ['^[[:alpha:]]+ [[:alpha:]]+$', 'Hello World', true], ['\\d{3}', 'ab123', true], ['a.c', 'a\nc', true], ['\\yWorld\\y', 'Hello World', true],
    ['\\yorl', 'Hello World', false], ['***=a.c', 'a.c', true], ['***=a.c', 'abc', false], ['***:^a', 'abc', true], ['a\\Bb', 'a\\b', true],
  ])('match %j on %j → %s', (pattern, text, expected) => expect(test('match', pattern, text)).toBe(expected));

  it('imatch ignores case', () => {
    expect(test('imatch', '^hello', 'HELLO')).toBe(true);
    expect(test('match', '^hello', 'HELLO')).toBe(false);
  });

  it('refuses invalid patterns and what RE2 cannot run in linear time, with the reason', () => {
    expect(error('match', '(')).toMatch(/^invalid match\. pattern "\(": .*missing closing \)/);
    expect(error('match', '[a')).toMatch(/^invalid match\. pattern "\[a": /);
    expect(error('match', 'a**')).toMatch(/^invalid match\. pattern "a\*\*": /);
    expect(error('match', '(a)\\1')).toBe('invalid match. pattern "(a)\\\\1": back-references are not supported');
    expect(error('imatch', 'a(?=b)')).toBe('invalid imatch. pattern "a(?=b)": look-ahead and look-behind constraints are not supported');
    expect(error('match', '(?<!a)b')).toMatch(/look-ahead and look-behind/);
    expect(error('match', '\\mword')).toBe('invalid match. pattern "\\\\mword": \\m is not supported');
    expect(error('match', '[[:<:]]x')).toMatch(/word-boundary brackets/);
    expect(error('match', 'x\\')).toMatch(/must not end with a backslash/);
  });
});

describe('bounds', () => {
  it('refuses patterns longer than the limit', () => {
    expect(error('like', 'a'.repeat(PATTERN_MAX_CHARS))).toBeNull();
    expect(error('like', 'a'.repeat(PATTERN_MAX_CHARS + 1))).toBe(`like. pattern is longer than ${PATTERN_MAX_CHARS} characters`);
    expect(error('match', 'a'.repeat(PATTERN_MAX_CHARS + 1))).toBe(`match. pattern is longer than ${PATTERN_MAX_CHARS} characters`);
  });

  // These patterns take exponential time on a backtracking engine (JavaScript's RegExp would not
  // return within the test's lifetime); RE2 answers in one pass over the text.
  it('answers catastrophic patterns correctly on long values', () => {
    const as = 'a'.repeat(100_000);
    expect(test('match', '^(a+)+$', `${as}!`)).toBe(false);
    expect(test('match', '^(a+)+$', as)).toBe(true);
    expect(test('imatch', '^(a|aa)+$', `${as}!`)).toBe(false);
    expect(test('match', '(x+x+)+y', 'x'.repeat(100_000))).toBe(false);
    // 50 segments: ~150 instructions, so values up to PATTERN_MAX_WORK / 150 characters are read.
    expect(test('like', `${'%a'.repeat(50)}b`, as.slice(0, 10_000))).toBe(false);
    expect(test('ilike', `${'%A'.repeat(50)}`, as.slice(0, 10_000))).toBe(true);
  });

  it('refuses \\p classes (not Postgres syntax, and RE2\'s slowest) and programs too large', () => {
    expect(error('match', '\\pL+')).toMatch(/^invalid match\. pattern "\\\\pL\+": /);
    expect(error('match', '(abcd){100}')).toBeNull();
    expect(error('match', '(abcd){300}')).toMatch(new RegExp(`^match\\. pattern "\\(abcd\\)\\{300\\}" is too complex \\(\\d+ instructions, at most ${PATTERN_MAX_INSTRUCTIONS}\\)$`));
  });

  it('does not match a value too long for its pattern: the work of one test is bounded', () => {
    const pattern = `${'a'.repeat(200)}%`; // ~200 instructions
    const compiled = compilePattern('like', pattern);
    if (!compiled.ok) throw new Error(compiled.error);
    expect(compiled.pattern.test('a'.repeat(PATTERN_MAX_WORK / 400))).toBe(true);
    expect(compiled.pattern.test('a'.repeat(PATTERN_MAX_WORK / 100))).toBe(false);
    expect(test('like', '%!', `${'a'.repeat(100_000)}!`)).toBe(true); // a small pattern still reads long values
  });

  it('shares a work allowance per change among the patterns of one channel', () => {
    const budget = channelBudget();
    const compiled = [1, 2, 3].map(() => compilePattern('like', `${'a'.repeat(100)}%`, budget));
    const patterns = compiled.map((c) => {
      if (!c.ok) throw new Error(c.error);
      return c;
    });
    const value = 'a'.repeat(Math.floor((CHANNEL_MAX_WORK * 0.4) / patterns[0]!.instructions)); // each test: 40% of the allowance
    const change = {};
    expect(patterns.map((p) => p.pattern.test(value, change))).toEqual([true, true, false]);
    expect(patterns[2]!.pattern.test(value, {})).toBe(true); // the next change has its own allowance
    const other = compilePattern('like', `${'a'.repeat(100)}%`); // another channel: its own budget
    expect(other.ok && other.pattern.test(value, change)).toBe(true);
  });

  // A pattern that defeats RE2's lazy DFA fills its state cache (up to 8 MB in re2js) and would
  // keep it for the binding's lifetime; the cache is dropped after each test. This reads re2js's
  // internal field, so an upgrade that renames it fails here instead of leaking silently.
  it('keeps no DFA state cache between tests', () => {
    const re = RE2JS.compile('(?i)(a|b)*a(a|b){12}$', RE2JS.DOTALL);
    re.test('abba'.repeat(100));
    expect((re.re2() as unknown as { lazyDFA: unknown }).lazyDFA).not.toBeNull(); // the field this relies on
    const compiled = compilePattern('imatch', '(a|b)*a(a|b){12}$');
    if (!compiled.ok) throw new Error(compiled.error);
    const internals = vi.spyOn(RE2JS.prototype, 're2');
    compiled.pattern.test('abba'.repeat(100));
    const used = internals.mock.results.map((r) => r.value as { lazyDFA: unknown });
    internals.mockRestore();
    expect(used.length).toBeGreaterThan(0);
    for (const re2 of used) expect(re2.lazyDFA).toBeNull();
  });
});
