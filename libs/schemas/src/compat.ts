// Full compatibility (docs/ARCHITECTURE.md "Avro"): every version of a record reads every other version's
// records, both ways. Checked by resolving the schemas and by decoding sample and random values.
import type { SchemaRegistry, SchemaVersion } from './registry.ts';

export function compatibilityProblems(registry: SchemaRegistry, name: string, samples: unknown[] = []): string[] {
  const problems: string[] = [];
  const versions = registry.versions(name);
  for (const writer of versions) {
    for (const reader of versions) {
      if (writer !== reader) problems.push(...readAcross(writer, reader, samples));
    }
  }
  return problems;
}

function readAcross(writer: SchemaVersion, reader: SchemaVersion, samples: unknown[]): string[] {
  const label = `${writer.name} v${writer.version} -> v${reader.version}`;
  let resolver;
  try {
    resolver = reader.type.createResolver(writer.type);
  } catch (err) {
    return [`${label}: ${(err as Error).message}`];
  }
  const values = [...samples.filter((s) => writer.type.isValid(s)), ...Array.from({ length: 5 }, () => writer.type.random())];
  const problems: string[] = [];
  for (const value of values) {
    try {
      const read = reader.type.fromBuffer(writer.type.toBuffer(value), resolver);
      if (!reader.type.isValid(read)) problems.push(`${label}: read an invalid value`);
    } catch (err) {
      problems.push(`${label}: ${(err as Error).message}`);
    }
  }
  return problems;
}
