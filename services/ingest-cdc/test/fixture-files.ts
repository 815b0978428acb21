// Reads the committed pgoutput byte fixtures (written by ./write-pgoutput-fixtures.ts) for the unit tests.
import { readFileSync } from 'node:fs';

const dir = new URL('./fixtures/', import.meta.url);

/** The messages of one scenario, in stream order. */
export function readHexFixture(name: string): Buffer[] {
  return readFileSync(new URL(`${name}.hex`, dir), 'utf8').split('\n').filter(Boolean).map((line) => Buffer.from(line, 'hex'));
}

/** The scenario's expectedQuery rows (to_jsonb text), as Postgres printed them. */
export function readExpectedJson(name: string): string[] {
  return JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), 'utf8')) as string[];
}
