// Where the golden byte fixtures live: one hex file per schema file (fixtures/change-event.v1.hex).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const fixtureDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureFile(schemaFile: string): string {
  return join(fixtureDir, schemaFile.replace(/\.avsc$/, '.hex'));
}
