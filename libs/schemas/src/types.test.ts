import { describe, expect, it } from 'vitest';
import type avro from 'avsc';
import { registry, schemaNames } from './index.ts';
import { sampleRecords } from '@realtime/testing/samples';

// sampleRecords is typed by types.ts (excess-property checks forbid extra keys, required keys must
// be present), so its keys are the keys of the TypeScript types; compare them to the schema fields.
function fieldNames(type: avro.Type): string[] {
  return (type as unknown as { fields: { name: string }[] }).fields.map((f) => f.name);
}

function nestedRecord(type: avro.Type, field: string): avro.Type {
  const f = (type as unknown as { fields: { name: string; type: { itemsType: avro.Type } }[] }).fields.find((x) => x.name === field)!;
  return f.type.itemsType;
}

describe('types.ts matches the schemas', () => {
  it.each(schemaNames)('%s has the fields of its newest schema', (name) => {
    expect(Object.keys(sampleRecords[name])).toEqual(fieldNames(registry.latest(name).type));
  });

  it('nested records match too', () => {
    const tenant = registry.latest('TenantSnapshot').type;
    expect(Object.keys(sampleRecords.TenantSnapshot.extensions[0]!)).toEqual(fieldNames(nestedRecord(tenant, 'extensions')));
    const change = registry.latest('ChangeEvent').type;
    expect(Object.keys(sampleRecords.ChangeEvent.columns[0]!)).toEqual(fieldNames(nestedRecord(change, 'columns')));
  });

  it('every schema file is a known record name', () => {
    expect([...registry.names()].sort()).toEqual([...schemaNames].sort());
  });
});
