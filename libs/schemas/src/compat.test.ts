import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compatibilityProblems } from './compat.ts';
import { loadSchemaRegistry, registry, schemaDir, schemaNames } from './index.ts';
import { sampleRecords } from '@realtime/testing/samples';

const testFixtures = fileURLToPath(new URL('../test-fixtures/', import.meta.url));
const incompatible = fileURLToPath(new URL('../test-fixtures/incompatible/', import.meta.url));

describe('full compatibility between all versions of a record', () => {
  it.each(schemaNames)('%s: every pair of versions reads both ways', (name) => {
    expect(compatibilityProblems(registry, name, [sampleRecords[name]])).toEqual([]);
  });

  it('holds for a second version that adds a field with a default (test-only UsageReport v2)', () => {
    const withV2 = loadSchemaRegistry([schemaDir, testFixtures]);
    expect(withV2.versions('UsageReport').map((v) => v.version)).toEqual([1, 2]);
    expect(compatibilityProblems(withV2, 'UsageReport', [sampleRecords.UsageReport])).toEqual([]);

    // A v1 record read by the v2 reader gets the default; a v2 record read by v1 drops the field.
    const v1Bytes = withV2.encode('UsageReport', sampleRecords.UsageReport, 1);
    expect(withV2.decode('UsageReport', v1Bytes)).toMatchObject({ ...sampleRecords.UsageReport, rejected_joins: 0 });
    const v2Bytes = withV2.encode('UsageReport', { ...sampleRecords.UsageReport, rejected_joins: 7 });
    expect(withV2.writerOf(v2Bytes).version).toBe(2);
    // A reader that lacks the v2 file cannot even find the writer schema: readers get a new schema
    // file deployed before any writer uses it (README "Invariants").
    expect(() => registry.decode('UsageReport', v2Bytes)).toThrow(expect.objectContaining({ code: 'UnknownSchemaFingerprint' }));
  });

  it('ChangeEvent v2 adds prev_hash (the audit hash chain) with a null default, readable both ways', () => {
    expect(registry.versions('ChangeEvent').map((v) => v.version)).toEqual([1, 2]);
    const v1 = registry.versions('ChangeEvent')[0]!;
    // A v1 record (written before the chain existed) reads as v2 with no predecessor hash.
    const v1Bytes = registry.encode('ChangeEvent', sampleRecords.ChangeEvent, 1);
    expect(registry.writerOf(v1Bytes).version).toBe(1);
    expect(registry.decode('ChangeEvent', v1Bytes)).toEqual({ ...sampleRecords.ChangeEvent, prev_hash: null });
    // A v2 record read by a v1 reader (a service not yet upgraded) drops the field, nothing else.
    const v2Bytes = registry.encode('ChangeEvent', sampleRecords.ChangeEvent);
    expect(registry.writerOf(v2Bytes).version).toBe(2);
    const asV1 = v1.type.fromBuffer(v2Bytes.subarray(10), v1.type.createResolver(registry.latest('ChangeEvent').type));
    const { prev_hash: _dropped, ...withoutHash } = sampleRecords.ChangeEvent;
    expect({ ...asV1 }).toEqual(withoutHash);
  });

  it('fails for a second version that adds a field without a default', () => {
    const broken = loadSchemaRegistry([schemaDir, incompatible]);
    const problems = compatibilityProblems(broken, 'PresenceDiff', [sampleRecords.PresenceDiff]);
    expect(problems.some((p) => p.startsWith('PresenceDiff v2 -> v3'))).toBe(true);
    expect(problems.some((p) => p.startsWith('PresenceDiff v3 -> v2'))).toBe(false);
  });
});
