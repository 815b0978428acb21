import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fixtureFile } from '../test/fixtures.ts';
import { registry } from './index.ts';
import { sampleRecords } from '@realtime/testing/samples';

// Golden bytes pin the encoding: a change to a schema or to the encoder makes this fail. If the
// change is intended, add a new schema version (never edit a released one) and regenerate with
// `bash scripts/node libs/schemas/test/write-fixtures.ts`.
const cases = registry.names().flatMap((name) => registry.versions(name).map((v) => [v.file, name, v.version] as const));

describe('golden byte fixtures', () => {
  it.each(cases)('%s encodes the sample to the pinned bytes and decodes them back', (file, name, version) => {
    const path = fixtureFile(file);
    expect(existsSync(path), `missing fixture ${path}`).toBe(true);
    const pinned = readFileSync(path, 'utf8').trim();
    const sample = sampleRecords[name as keyof typeof sampleRecords];
    expect(registry.encode(name, sample, version).toString('hex')).toBe(pinned);
    // Decoding resolves to the newest version: fields a version lacks come back with their defaults.
    const newest = registry.decode(name, registry.encode(name, sample)) as Record<string, unknown>;
    const decoded = registry.decode(name, Buffer.from(pinned, 'hex')) as Record<string, unknown>;
    const writer = registry.versions(name).find((v) => v.version === version)!.type as unknown as { fields: Array<{ name: string }> };
    const known = new Set(writer.fields.map((f) => f.name));
    for (const [field, value] of Object.entries(newest)) if (known.has(field)) expect(decoded[field]).toEqual(value);
  });
});
