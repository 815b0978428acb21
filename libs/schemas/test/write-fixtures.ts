// Regenerates fixtures/<record-in-kebab-case>.v<N>.hex from sampleRecords, for every version.
// Run only when a schema or sample changed on purpose: bash scripts/node libs/schemas/test/write-fixtures.ts
import { writeFileSync } from 'node:fs';
import { registry } from '../src/index.ts';
import { sampleRecords } from '@realtime/testing/samples';
import { fixtureDir, fixtureFile } from './fixtures.ts';

for (const name of registry.names()) {
  for (const v of registry.versions(name)) {
    const hex = registry.encode(name, sampleRecords[name as keyof typeof sampleRecords], v.version).toString('hex');
    writeFileSync(fixtureFile(v.file), hex + '\n');
  }
}
process.stdout.write(`wrote fixtures to ${fixtureDir}\n`);
