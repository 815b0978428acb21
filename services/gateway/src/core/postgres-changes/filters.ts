// postgres_changes filter grammar (docs/PROTOCOL.md §6 "Filter grammar"): `col=[not.]op.value`, several joined
// by `,` and ANDed; commas inside "…" or (…) do not split. `in.(a,b)` takes at most 100 values;
// `is.` takes null|true|false|unknown; double-quoted values lose their quotes and `\` escapes.
// Everything a client sends here is bounded (filter text, value size, list length) and patterns are
// compiled now, once per binding, so a bad one is a subscribe error rather than a fan-out failure.
import { channelBudget, CHANNEL_MAX_INSTRUCTIONS, compilePattern, type PatternBudget, type TextPattern } from './patterns.ts';

export const OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Filter {
  column: string;
  op: Operator;
  negate: boolean;
  /** A list for `in`, null for `is.null`, text otherwise. */
  value: string | string[] | null;
  /** `like`/`ilike`/`match`/`imatch`: the value compiled to a linear-time matcher. */
  pattern?: TextPattern;
}

export type ParsedFilters = { ok: true; filters: Filter[] } | { ok: false; error: string };

const IN_MAX = 100;
/** The whole filter text, and any one value in it: far above real filters, small enough to scan per event. */
export const FILTER_MAX_CHARS = 4096;
export const VALUE_MAX_CHARS = 1024;

/** `budget` is shared by every filter of one channel (see CHANNEL_MAX_INSTRUCTIONS). */
export function parseFilters(text: string | undefined, budget: PatternBudget = channelBudget()): ParsedFilters {
  if (!text || text.trim() === '') return { ok: true, filters: [] };
  if (text.length > FILTER_MAX_CHARS) return { ok: false, error: `filter is longer than ${FILTER_MAX_CHARS} characters` };
  const filters: Filter[] = [];
  for (const part of splitOutside(text, ',')) {
    const parsed = parseOne(part.trim(), budget);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    filters.push(parsed);
  }
  return { ok: true, filters };
}

function parseOne(part: string, budget: PatternBudget): Filter | string {
  const eq = part.indexOf('=');
  if (eq <= 0) return `${part} is not of the form column=operator.value`;
  const column = unquote(part.slice(0, eq).trim());
  let rest = part.slice(eq + 1);
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf('.');
  const op = (dot < 0 ? rest : rest.slice(0, dot)) as Operator;
  if (!OPERATORS.includes(op)) return `${op} is not a supported operator`;
  if (dot < 0) return `${part} has no value`;
  const raw = rest.slice(dot + 1);
  if (op === 'in') {
    if (!raw.startsWith('(') || !raw.endsWith(')')) return `in. needs a list in parentheses: ${raw}`;
    const items = raw.slice(1, -1).trim() === '' ? [] : splitOutside(raw.slice(1, -1), ',').map((v) => unquote(v.trim()));
    if (items.length > IN_MAX) return `in. accepts at most ${IN_MAX} values, got ${items.length}`;
    if (items.some((v) => v.length > VALUE_MAX_CHARS)) return `in. values are limited to ${VALUE_MAX_CHARS} characters`;
    return { column, op, negate, value: items };
  }
  if (op === 'is') {
    const v = raw.toLowerCase();
    if (!['null', 'true', 'false', 'unknown'].includes(v)) return `is. accepts null, true, false or unknown, got ${raw}`;
    return { column, op, negate, value: v === 'null' ? null : v };
  }
  const value = unquote(raw);
  if (value.length > VALUE_MAX_CHARS) return `${op}. value is longer than ${VALUE_MAX_CHARS} characters`;
  if (op === 'like' || op === 'ilike' || op === 'match' || op === 'imatch') {
    const compiled = compilePattern(op, value, budget);
    if (!compiled.ok) return compiled.error;
    budget.instructions -= compiled.instructions;
    if (budget.instructions < 0) return `the channel's patterns are too complex together (at most ${CHANNEL_MAX_INSTRUCTIONS} instructions)`;
    return { column, op, negate, value, pattern: compiled.pattern };
  }
  return { column, op, negate, value };
}

/** Splits on `sep` outside double quotes and parentheses. */
export function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (ch === sep && !quoted && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(.)/g, '$1');
  return value;
}
