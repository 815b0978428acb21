// Reads the reference's operational code lists out of docs/PROTOCOL.md (§9 "All operational
// codes", and the §3.3 join error table) so the catalog test can check it covers them, and the
// document cannot name a code the catalog lacks. Test support only, so it lives in test/, outside the package's src.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const specPath = resolve(import.meta.dirname, '../../..', 'docs/PROTOCOL.md');

export interface SpecCodes {
  clientFacing: string[];
  internal: string[];
  /** Codes named as `Code:` in the §3.3 join error table. */
  joinReasons: string[];
}

export function readSpecCodes(path = specPath): SpecCodes {
  return parseSpecCodes(readFileSync(path, 'utf8'));
}

export function parseSpecCodes(markdown: string): SpecCodes {
  const section = between(markdown, '**All operational codes**', '\n## ');
  const clientLine = section.split('\n').find((l) => l.startsWith('- Client-facing:')) ?? '';
  const internalLine = section.split('\n').find((l) => l.startsWith('- Server-internal only:')) ?? '';
  const joinTable = between(markdown, '### 3.3 ', '\n### 3.4 ');
  return {
    clientFacing: codesIn(clientLine),
    internal: codesIn(internalLine),
    joinReasons: [...joinTable.matchAll(/`([A-Z][A-Za-z]+):/g)].map((m) => m[1]!),
  };
}

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  if (from < 0) return '';
  const to = text.indexOf(end, from + start.length);
  return text.slice(from, to < 0 ? undefined : to);
}

/** Backticked, space-separated names; `A{B,C}` means AB and AC, `A(B)` means A and AB. */
function codesIn(line: string): string[] {
  return [...line.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1]!.split(/\s+/).filter(Boolean)).flatMap(expand);
}

function expand(token: string): string[] {
  const braces = /^(\w+)\{([\w,]+)\}$/.exec(token);
  if (braces) return braces[2]!.split(',').map((s) => braces[1]! + s);
  const parens = /^(\w+)\((\w+)\)$/.exec(token);
  if (parens) return [parens[1]!, parens[1]! + parens[2]!];
  return [token];
}
