import { describe, expect, it } from 'vitest';
import { decode, encode, registry, SchemaError, schemaNames } from './index.ts';
import { sampleRecords } from '@realtime/testing/samples';

describe('single-object encoding', () => {
  it.each(schemaNames)('%s round-trips through encode/decode', (name) => {
    const bytes = encode(name, sampleRecords[name] as never);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(bytes.subarray(2, 10)).toEqual(registry.latest(name).fingerprint);
    expect(decode(name, bytes)).toEqual(sampleRecords[name]);
  });

  it('keeps nulls and binary payloads exactly', () => {
    const value = { ...sampleRecords.BroadcastMessage, meta_id: null, payload: Buffer.from([0, 1, 2, 255]) };
    const read = decode<typeof value>('BroadcastMessage', encode('BroadcastMessage', value));
    expect(read.meta_id).toBeNull();
    expect(Buffer.compare(read.payload, value.payload)).toBe(0);
  });

  it('decodes from a Uint8Array view into a larger buffer', () => {
    const bytes = encode('PresenceDiff', sampleRecords.PresenceDiff);
    const padded = Buffer.concat([Buffer.from('xxxx'), bytes]);
    expect(decode('PresenceDiff', new Uint8Array(padded.buffer, padded.byteOffset + 4, bytes.length))).toEqual(sampleRecords.PresenceDiff);
  });

  it('gives every record a distinct fingerprint', () => {
    const fps = schemaNames.map((n) => registry.latest(n).fingerprint.toString('hex'));
    expect(new Set(fps).size).toBe(schemaNames.length);
  });
});

describe('errors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(SchemaError);
      return (err as SchemaError).code;
    }
    throw new Error('did not throw');
  };

  it('rejects bytes without the C3 01 marker', () => {
    expect(code(() => decode('UsageReport', Buffer.from('{"tenant":"x"}')))).toBe('UnknownSchemaFingerprint');
    expect(code(() => decode('UsageReport', Buffer.from([0xc3, 0x01, 0])))).toBe('UnknownSchemaFingerprint');
  });

  it('rejects an unknown fingerprint', () => {
    const bytes = encode('UsageReport', sampleRecords.UsageReport);
    bytes[5] = bytes[5]! ^ 0xff;
    expect(code(() => decode('UsageReport', bytes))).toBe('UnknownSchemaFingerprint');
  });

  it('rejects a record of another type', () => {
    expect(code(() => decode('TenantSnapshot', encode('UsageReport', sampleRecords.UsageReport)))).toBe('SchemaMismatch');
  });

  it('rejects a truncated body', () => {
    const bytes = encode('ChangeEvent', sampleRecords.ChangeEvent);
    expect(code(() => decode('ChangeEvent', bytes.subarray(0, bytes.length - 5)))).toBe('InvalidRecord');
  });

  it('names the invalid fields on encode', () => {
    const bad = { ...sampleRecords.LimitDecision, throttled: 'yes', rate: 'fast' } as never;
    expect(() => encode('LimitDecision', bad)).toThrow('bad field(s) throttled, rate');
    expect(code(() => encode('LimitDecision', bad))).toBe('InvalidRecord');
  });

  it('refuses longs beyond 2^53 instead of losing precision', () => {
    const bad = { ...sampleRecords.UsageReport, bytes_out: 2 ** 60 };
    expect(code(() => encode('UsageReport', bad))).toBe('InvalidRecord');
  });
});
