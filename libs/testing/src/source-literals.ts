// Finds values written as literals in a package's source where a catalog names them: quoted
// strings equal to a catalog message, and HTTP statuses written as numbers. Used by the
// catalog-literals tests of the gateway and tenant-admin (docs/STYLE.md §4: call sites name the
// entry, the catalog holds the value). Comments are skipped: they may quote the reference.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Line = { file: string; line: number; text: string };

/** Code lines of the non-test .ts files under `root`, paths relative to it. */
function codeLines(root: string): Line[] {
  const out: Line[] = [];
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    readFileSync(join(root, file), 'utf8').split('\n').forEach((text, i) => {
      if (!/^\s*(\/\/|\*|\/\*)/.test(text)) out.push({ file, line: i + 1, text });
    });
  }
  return out;
}

/** `file:line name 'text'` for each quoted or template string that equals a key of `known`. */
export function retypedStrings(root: string, known: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const { file, line, text } of codeLines(root)) {
    for (const m of text.matchAll(/'([^']+)'|`([^`]+)`|"([^"]+)"/g)) {
      const value = m[1] ?? m[2] ?? m[3] ?? '';
      const name = known.get(value);
      if (name) found.push(`${file}:${line} ${name} '${value}'`);
    }
  }
  return found;
}

/** An HTTP status given, set or compared as a number: `.status(404)`, `answer(socket, 503`, `status: 422`, `status === 500`. */
const STATUS_LITERAL = /(?:\.status\(|\bsendStatus\(|\banswer\(\w+,\s*|\bstatus\s*:|\bstatus\s*[!=]==?|\bstatusCode\s*=)\s*[1-5]\d\d\b/g;

/** `file:line text` for each HTTP status written as a number instead of a name. */
export function literalStatuses(root: string): string[] {
  return codeLines(root).flatMap(({ file, line, text }) => [...text.matchAll(STATUS_LITERAL)].map((m) => `${file}:${line} ${m[0]}`));
}
