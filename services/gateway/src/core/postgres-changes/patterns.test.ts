import { describe, expect, it } from 'vitest';
import { compilePattern, PATTERN_MAX_CHARS } from './patterns.ts';

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
    expect(test('like', `${'%a'.repeat(50)}b`, as)).toBe(false);
    expect(test('ilike', `${'%A'.repeat(50)}`, as)).toBe(true);
  });
});
