// The repository stands alone (docs/STYLE.md §17): no tracked file reads or cites a document
// outside it, and every citation of the in-repo documents names a section they have.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const DOCS = ['docs/PROTOCOL.md', 'docs/STYLE.md', 'docs/ARCHITECTURE.md'];
const SELF = 'scripts/self-contained.test.ts';
const BINARY = /\.(png|jpe?g|gif|ico|gz|tgz|zip|jar|bin|woff2?)$/;

const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && !BINARY.test(f) && f !== 'package-lock.json');
// Deleted-but-not-staged files are still listed; skip what cannot be read.
const texts = files.flatMap((f) => {
  try {
    return [{ file: f, text: readFileSync(resolve(root, f), 'utf8') }];
  } catch {
    return [];
  }
});

/** `file:line: text` of every line matching `pattern` (global flag required). */
function hits(pattern: RegExp, skip: string[]): string[] {
  const out: string[] = [];
  for (const { file, text } of texts) {
    if (skip.includes(file)) continue;
    text.split('\n').forEach((line, i) => {
      pattern.lastIndex = 0;
      if (pattern.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

// Built from pieces so that this file does not match itself.
const outside = new RegExp(['\\.\\.', '/shared'].join(''), 'g');
const specCite = new RegExp(`(^|[^\\w/.-])[Ss]pec ${'§'}`, 'g');
const styleCite = new RegExp(`(^|[^\\w/.-])(style|protocol)\\.md ${'§'}`, 'g');
const oldArchitecture = new RegExp(`(^|[^\\w/.-])${'architecture'}\\.md`, 'g');

describe('the repository stands alone', () => {
  it('has the documents that code comments cite', () => {
    for (const doc of DOCS) expect(texts.some((t) => t.file === doc), doc).toBe(true);
  });

  it(`reads and links nothing under ${['..', 'shared'].join('/')}`, () => {
    expect(hits(outside, [SELF])).toEqual([]);
  });

  it('cites the protocol, style and architecture documents by their path in the repository', () => {
    expect(hits(specCite, [...DOCS, SELF])).toEqual([]);
    expect(hits(styleCite, [...DOCS, SELF])).toEqual([]);
    expect(hits(oldArchitecture, [...DOCS, SELF])).toEqual([]);
  });

  it('cites only sections the documents have', () => {
    const protocol = readFileSync(resolve(root, 'docs/PROTOCOL.md'), 'utf8');
    const style = readFileSync(resolve(root, 'docs/STYLE.md'), 'utf8');
    const architecture = readFileSync(resolve(root, 'docs/ARCHITECTURE.md'), 'utf8');
    const protocolSections = new Set([...protocol.matchAll(/^#{2,3} (\d+(?:\.\d+)?)[. ]/gm)].map((m) => m[1]!));
    const styleSections = new Set([...style.matchAll(/^(\d+)\. /gm)].map((m) => m[1]!));
    const architectureTitles = new Set([...architecture.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!.trim()));
    const unknown: string[] = [];
    for (const { file, text } of texts) {
      if (file === SELF) continue;
      // "docs/PROTOCOL.md §1.3, §1.4" cites both; a list ends at the first word that is not a section.
      for (const m of text.matchAll(/docs\/(PROTOCOL|STYLE)\.md`? ((?:§\d+(?:\.\d+)*(?:, )?)+)/g)) {
        const known = m[1] === 'PROTOCOL' ? protocolSections : styleSections;
        for (const [, n] of m[2]!.matchAll(/§(\d+(?:\.\d+)*)/g)) if (!known.has(n!)) unknown.push(`${file}: ${m[0]}`);
      }
      for (const m of text.matchAll(/docs\/ARCHITECTURE\.md "([^"\n]+)"/g)) {
        if (![...architectureTitles].some((t) => t.startsWith(m[1]!))) unknown.push(`${file}: ${m[0]}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
