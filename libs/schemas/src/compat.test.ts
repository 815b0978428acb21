import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compatibilityProblems } from './compat.ts';
import { loadSchemaRegistry, RECOVERY_DEFAULTS, registry, schemaDir, schemaNames } from './index.ts';
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

  it('TenantSnapshot v3 adds the recovery caps with defaults, readable both ways by v1 and v2', () => {
    expect(registry.versions('TenantSnapshot').map((v) => v.version)).toEqual([1, 2, 3]);
    const [v1, v2] = registry.versions('TenantSnapshot');
    const { max_recovery_events: _e, max_recovery_bytes: _b, ...v2Fields } = sampleRecords.TenantSnapshot;
    // Older writers (a tenant-admin not yet upgraded): the caps come back as RECOVERY_DEFAULTS.
    const fromV2 = registry.decode('TenantSnapshot', registry.encode('TenantSnapshot', sampleRecords.TenantSnapshot, 2));
    expect(fromV2).toEqual({ ...v2Fields, ...RECOVERY_DEFAULTS });
    const fromV1 = registry.decode('TenantSnapshot', registry.encode('TenantSnapshot', sampleRecords.TenantSnapshot, 1));
    expect(fromV1).toEqual({ ...v2Fields, shutdown_seq: 0, ...RECOVERY_DEFAULTS });
    // A v3 record read by older readers (a gateway, ratelimiter or ingest-cdc not yet upgraded) drops the caps only.
    const v3Bytes = registry.encode('TenantSnapshot', sampleRecords.TenantSnapshot);
    expect(registry.writerOf(v3Bytes).version).toBe(3);
    expect(registry.decode('TenantSnapshot', v3Bytes)).toEqual(sampleRecords.TenantSnapshot);
    const asV2 = v2!.type.fromBuffer(v3Bytes.subarray(10), v2!.type.createResolver(registry.latest('TenantSnapshot').type));
    expect({ ...asV2 }).toEqual(v2Fields);
    const asV1 = v1!.type.fromBuffer(v3Bytes.subarray(10), v1!.type.createResolver(registry.latest('TenantSnapshot').type));
    const { shutdown_seq: _s, ...v1Fields } = v2Fields;
    expect({ ...asV1 }).toEqual(v1Fields);
  });

  it('fails for a second version that adds a field without a default', () => {
    const broken = loadSchemaRegistry([schemaDir, incompatible]);
    const problems = compatibilityProblems(broken, 'PresenceDiff', [sampleRecords.PresenceDiff]);
    expect(problems.some((p) => p.startsWith('PresenceDiff v2 -> v3'))).toBe(true);
    expect(problems.some((p) => p.startsWith('PresenceDiff v3 -> v2'))).toBe(false);
  });
});
