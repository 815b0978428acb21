// Text patterns of postgres_changes filters (`like`, `ilike`, `match`, `imatch`, docs/PROTOCOL.md §6), compiled
// once when the channel subscribes and run on RE2 (re2js), whose matching time is linear in the
// text: a client's pattern can never make the fan-out backtrack. Anything RE2 cannot run in linear
// time (back-references, look-around) or whose meaning differs between Postgres and RE2 is refused
// with a reason instead of being guessed. Compilation and matching work are bounded per pattern
// and per channel (PatternBudget).
import { RE2JS } from 're2js';

export interface TextPattern {
  /** `change`: the record being matched, which the channel's work allowance is counted against. */
  test(text: string, change?: object): boolean;
}

export type CompiledPattern = { ok: true; pattern: TextPattern; instructions: number } | { ok: false; error: string };

/**
 * Compiling costs about a millisecond per few hundred instructions, and one join may carry 100
 * bindings of several patterns each: a channel's patterns share this budget, so a join cannot
 * buy seconds of compilation. Real channels use a few small patterns.
 */
export const CHANNEL_MAX_INSTRUCTIONS = 4000;

/**
 * Matching work one channel's patterns may spend on one change (units as PATTERN_MAX_WORK): many
 * small patterns on a long value add up. Past it, the channel's remaining pattern filters do not
 * match that change (fail closed).
 */
export const CHANNEL_MAX_WORK = 4_000_000;

/** What one channel's patterns may cost: instructions to compile, work per change to match. */
export class PatternBudget {
  instructions = CHANNEL_MAX_INSTRUCTIONS;
  /** Work spent per change, keyed weakly by the record so no change is kept alive. */
  readonly #spent = new WeakMap<object, number>();

  charge(change: object, units: number): boolean {
    const spent = (this.#spent.get(change) ?? 0) + units;
    if (spent > CHANNEL_MAX_WORK) return false;
    this.#spent.set(change, spent);
    return true;
  }
}

export const channelBudget = (): PatternBudget => new PatternBudget();

/** Longest pattern a filter may carry; RE2's work per character grows with the pattern's size. */
export const PATTERN_MAX_CHARS = 256;
/** Largest compiled program: counted repetitions make a short pattern big (`(abcd){250}`). */
export const PATTERN_MAX_INSTRUCTIONS = 1000;
/**
 * Most work one test may take, in program instructions × characters of the value. RE2's lazy DFA
 * usually costs far less, but some patterns defeat it and the NFA fallback pays about this much
 * (~60 ns a unit here): the bound keeps one test under ~0.1 s. A value too long for its pattern is
 * not matched: the change is not delivered to that binding (fail closed, as for a NULL).
 */
export const PATTERN_MAX_WORK = 2_000_000;

export function compilePattern(op: 'like' | 'ilike' | 'match' | 'imatch', source: string, budget: PatternBudget = channelBudget()): CompiledPattern {
  if (source.length > PATTERN_MAX_CHARS) return { ok: false, error: `${op}. pattern is longer than ${PATTERN_MAX_CHARS} characters` };
  const translated = op === 'like' || op === 'ilike' ? likeToRe2(source) : postgresRegexToRe2(source);
  if (!translated.ok) return { ok: false, error: `invalid ${op}. pattern ${JSON.stringify(source)}: ${translated.error}` };
  // Postgres's `.` matches a newline and `^`/`$` anchor the whole value, hence DOTALL, no MULTILINE.
  // Postgres has no \p{…} classes; they are also RE2's slowest per character.
  const flags = RE2JS.DOTALL | RE2JS.DISABLE_UNICODE_GROUPS | (op === 'ilike' || op === 'imatch' ? RE2JS.CASE_INSENSITIVE : 0);
  let re: RE2JS;
  try {
    re = RE2JS.compile(translated.source, flags);
  } catch (err) {
    return { ok: false, error: `invalid ${op}. pattern ${JSON.stringify(source)}: ${(err as Error).message}` };
  }
  const size = Number(re.re2().numberOfInstructions());
  if (size > PATTERN_MAX_INSTRUCTIONS) return { ok: false, error: `${op}. pattern ${JSON.stringify(source)} is too complex (${size} instructions, at most ${PATTERN_MAX_INSTRUCTIONS})` };
  const longest = Math.floor(PATTERN_MAX_WORK / Math.max(size, 1));
  return {
    ok: true,
    instructions: size,
    pattern: { test: (text, change = {}) => text.length <= longest && budget.charge(change, size * Math.max(text.length, 1)) && testOnce(re, text) },
  };
}

/**
 * RE2's lazy DFA keeps up to 8 MB of states per pattern for the pattern's lifetime; with a
 * hundred bindings per channel that is memory a client chooses. The states are dropped after
 * each test instead (rebuilding the few a typical pattern needs is cheap). `lazyDFA` is re2js's
 * internal field, hence the exact version in package.json; patterns.test.ts pins the behaviour.
 */
function testOnce(re: RE2JS, text: string): boolean {
  try {
    return re.test(text);
  } finally {
    (re.re2() as unknown as { lazyDFA: unknown }).lazyDFA = null;
  }
}

type Translated = { ok: true; source: string } | { ok: false; error: string };

/** LIKE: `%` any run, `_` one character, `\` takes the next character literally; whole value. */
function likeToRe2(pattern: string): Translated {
  let out = '';
  const chars = [...pattern]; // by code point, so `_` takes a whole character as Postgres does
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\\') {
      if (i + 1 >= chars.length) return { ok: false, error: 'LIKE pattern must not end with escape character' };
      out += RE2JS.quote(chars[++i]!);
    } else if (ch === '%') out += '.*';
    else if (ch === '_') out += '.';
    else out += RE2JS.quote(ch);
  }
  return { ok: true, source: `^(?:${out})$` };
}

/**
 * Postgres advanced regular expressions → RE2 syntax. The common syntax is the same; escapes that
 * differ are rewritten and features RE2 lacks are refused by name.
 */
function postgresRegexToRe2(pattern: string): Translated {
  // `***=` makes the rest a literal string (Postgres "director").
  if (pattern.startsWith('***=')) return { ok: true, source: RE2JS.quote(pattern.slice(4)) };
  if (pattern.startsWith('***:')) pattern = pattern.slice(4);
  if (/\(\?<?[=!]/.test(pattern)) return { ok: false, error: 'look-ahead and look-behind constraints are not supported' };
  if (pattern.includes('[[:<:]]') || pattern.includes('[[:>:]]')) return { ok: false, error: 'word-boundary brackets [[:<:]] and [[:>:]] are not supported' };
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = pattern[++i];
    if (next === undefined) return { ok: false, error: 'pattern must not end with a backslash' };
    const mapped = ESCAPES[next];
    if (mapped === null) return { ok: false, error: `\\${next} is not supported` };
    if (mapped !== undefined) out += mapped;
    else if (next >= '1' && next <= '9') return { ok: false, error: 'back-references are not supported' };
    else out += `\\${next}`;
  }
  return { ok: true, source: out };
}

/** Escapes whose Postgres meaning RE2 spells differently (string), or cannot express (null). */
const ESCAPES: Record<string, string | null> = {
  y: '\\b', // word boundary
  Y: '\\B',
  Z: '\\z', // end of string
  b: '\\x08', // backspace in Postgres, a word boundary in RE2
  B: '\\\\', // a literal backslash in Postgres
  e: '\\x1b',
  m: null, // start / end of a word: RE2 has only \b
  M: null,
};
