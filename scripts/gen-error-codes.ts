// Generates docs/ERROR_CODES.md from the @realtime/errors catalog. scripts/error-codes-doc.test.ts
// fails when the committed file differs from what this renders.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog, type ErrorDef } from '@realtime/errors';

export const errorCodesPath = join(import.meta.dirname, '../docs/ERROR_CODES.md');

const ORIGIN_NOTE: Record<NonNullable<ErrorDef['origin']>, string> = { 'R+': ' ⁺', ours: ' °' };

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function row(def: ErrorDef): string {
  const code = `\`${def.code}\`${def.origin ? ORIGIN_NOTE[def.origin] : ''}`;
  const message = def.message ? ` Client text: \`${def.message}\`${def.bareReason ? ' (sent without the code)' : ''}.` : '';
  return `| ${code} | ${def.clientFacing ? 'yes' : 'no'} | ${def.retryable ? 'yes' : 'no'} | ${def.httpStatus ?? ''} | ${def.closeCode ?? ''} | ${cell(def.description + '.' + message)} |`;
}

function table(defs: ErrorDef[]): string[] {
  return [
    '| code | client-facing | retryable | HTTP | close | description |',
    '|---|---|---|---|---|---|',
    ...defs.map(row),
  ];
}

export function renderErrorCodes(): string {
  const defs = Object.values(catalog);
  return [
    '# Error codes',
    '',
    'Generated from `libs/errors` (`bash scripts/node scripts/gen-error-codes.ts`). Do not edit by hand;',
    '`scripts/error-codes-doc.test.ts` fails when this file is stale.',
    '',
    'Names follow the reference server (supabase/realtime `ERROR_CODES.md`). ⁺ marks codes of newer',
    'reference versions only, ° codes of ours with no reference counterpart. *Retryable* means the same',
    'operation may succeed later with nothing changed; supervising loops decide from that flag alone.',
    'A join error reply carries `"<code>: <message>"` (docs/PROTOCOL.md §3.3).',
    '',
    '## Client-facing',
    '',
    ...table(defs.filter((d) => d.clientFacing)),
    '',
    '## Server-internal',
    '',
    ...table(defs.filter((d) => !d.clientFacing)),
    '',
  ].join('\n');
}

if (import.meta.main) writeFileSync(errorCodesPath, renderErrorCodes());
