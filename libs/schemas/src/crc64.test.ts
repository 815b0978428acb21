import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { crc64Avro } from './crc64.ts';

// Vectors from the Avro project's share/test/data/schema-tests.txt (signed 64-bit decimals there).
const vectors: Array<[schema: unknown, signed: bigint]> = [
  ['null', 7195948357588979594n],
  ['boolean', -6970731678124411036n],
  ['int', 8247732601305521295n],
  ['long', -3434872931120570953n],
  ['string', -8142146995180207161n],
  [{ type: 'fixed', name: 'foo', size: 15 }, 1756455273707447556n],
  [{ type: 'record', name: 'foo', fields: [{ name: 'f1', type: 'boolean' }] }, 7843277075252814651n],
  [{ type: 'record', name: 'PigValue', fields: [{ name: 'value', type: ['null', 'int', 'long', 'PigValue'] }] }, -1759257747318642341n],
];

describe('crc64Avro', () => {
  it('matches the spec fingerprint of "null" (0x63dd24e7cc258f8a)', () => {
    expect(crc64Avro(Buffer.from('"null"')).toString(16)).toBe('63dd24e7cc258f8a');
  });

  it.each(vectors)('fingerprints the canonical form of %j as in the Avro test vectors', (schema, signed) => {
    // avsc's schema() is the Parsing Canonical Form: full names, only the significant attributes, spec order.
    const canonical = JSON.stringify(avro.Type.forSchema(schema as avro.Schema).schema());
    expect(crc64Avro(Buffer.from(canonical))).toBe(BigInt.asUintN(64, signed));
  });
});
