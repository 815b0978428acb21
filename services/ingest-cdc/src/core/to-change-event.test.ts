import { describe, expect, it } from 'vitest';
import { decode, encode, type ChangeEvent } from '@realtime/schemas';
import { readExpectedJson } from '../../test/fixture-files.ts';
import { compactJson, jsonbNumber } from './json-text.ts';
import { parsePgArray } from './pg-array.ts';
import { relationOids, replayFixture } from '../../test/replay.ts';
import { changeEventBytes, toChangeEvent, transactionToChangeEvents } from './to-change-event.ts';
import { columnJson } from './to-jsonb.ts';

/** JSON → value with every number kept as its exact text, so 2^63-1 and 2.50 compare exactly. */
const exact = (text: string): unknown =>
  JSON.parse(text, (_key, value, context?: { source?: string }) => (typeof value === 'number' ? { number: context!.source } : value));
const events = (name: string, options = {}) => replayFixture(name).transactions.flatMap((t) => transactionToChangeEvents(t, 'tenant-a', options));

describe('toChangeEvent values', () => {
  it("equals Postgres's own to_jsonb of the same rows (bool, ints, floats, numeric, json, jsonb, times, bytea, arrays, enum)", () => {
    // The one deliberate difference: bytea is hex without its \x prefix, as the reference sends it (docs/PROTOCOL.md §6).
    const expected = readExpectedJson('types').map((row) => row.replace(/"bin": "\\\\x/, '"bin": "'));
    const records = events('types').map((e) => e.record_json!);
    expect(records).toHaveLength(expected.length);
    records.forEach((record, i) => expect(exact(record), `row ${i + 1}: ${record}`).toEqual(exact(expected[i]!)));
  });

  it('writes bytea as hex without \\x, alone and in arrays (docs/PROTOCOL.md §6)', () => {
    const [first] = events('types');
    expect(first!.record_json).toContain('"bin":"00ff10"');
    expect(columnJson('\\x00ff10', 17, 'bytea')).toBe('"00ff10"');
    expect(columnJson('\\x', 17, 'bytea')).toBe('""');
    expect(columnJson('{"\\\\x01",NULL}', 1001, '_bytea')).toBe('["01",null]');
  });

  it('keeps number digits exactly, in the text too', () => {
    const [first] = events('types');
    expect(first!.record_json).toContain('"i8":9223372036854775807,');
    expect(first!.record_json).toContain('"num":12345678901234567890.000100,');
    expect(first!.record_json).toContain('"ts":"2026-08-21T18:04:56.789+05:30"');
  });

  it.each([
    ['1e-07', '0.0000001'], ['1.5e+20', '150000000000000000000'], ['1.0E-2', '0.010'], ['1.50e1', '15.0'],
    ['-0', '0'], ['-0.000', '0.000'], ['-12', '-12'], ['2.50', '2.50'], ['-1.5e-3', '-0.0015'],
  ])('writes the JSON number %s as jsonb does: %s', (text, jsonb) => {
    expect(jsonbNumber(text)).toBe(jsonb);
  });

  it('converts scalar text by type oid', () => {
    expect(columnJson('2026-08-21 12:34:56.789+00', 1184, 'timestamptz')).toBe('"2026-08-21T12:34:56.789+00:00"');
    expect(columnJson('2026-08-21 12:34:56-07', 1184, 'timestamptz')).toBe('"2026-08-21T12:34:56-07:00"');
    expect(columnJson('Infinity', 701, 'float8')).toBe('"Infinity"');
    expect(columnJson('12:00:00', 1083, 'time')).toBe('"12:00:00"');
    expect(columnJson('{"a" : 1}', 114, 'json')).toBe('{"a":1}');
    expect(columnJson('{t,f,NULL}', 1000, '_bool')).toBe('[true,false,null]');
    expect(columnJson('{"2026-08-21 12:00:00+00"}', 1185, '_timestamptz')).toBe('["2026-08-21T12:00:00+00:00"]');
    expect(columnJson('{"{\\"a\\": 1}"}', 3807, '_jsonb')).toBe('[{"a":1}]');
    expect(columnJson('{sad,ok}', 16999, '_mood')).toBe('["sad","ok"]');
    expect(columnJson(null, 23, 'int4')).toBe('null');
  });

  it('parses array literals, and refuses what is not one', () => {
    expect(parsePgArray('{"a,b","c\\"d",NULL,"NULL",e f}')).toEqual(['a,b', 'c"d', null, 'NULL', 'e f']);
    expect(parsePgArray('{{1,2},{3,4}}')).toEqual([['1', '2'], ['3', '4']]);
    expect(parsePgArray('[2:3]={x,y}')).toEqual(['x', 'y']);
    expect(parsePgArray('{}')).toEqual([]);
    for (const bad of ['', '{', '{a', '{"a}', '{a}x', 'a', '{,}']) expect(parsePgArray(bad), bad).toBeNull();
    expect(compactJson('{nope')).toBeNull();
  });
});

describe('toChangeEvent records', () => {
  it('maps a change and its transaction to a ChangeEvent that Avro accepts', () => {
    const { transactions } = replayFixture('crud');
    const txn = transactions[2]!;
    const event = toChangeEvent(txn.changes[0]!, txn, 'tenant-a');
    expect(event).toEqual({
      tenant: 'tenant-a', schema: 'public', table: 'items', type: 'UPDATE',
      commit_timestamp: Number(txn.commitTimestampUs), commit_lsn: txn.commitLsn, commit_lsn_num: Number(txn.commitLsnNum),
      xid: txn.xid, seq: 0,
      columns: [{ name: 'id', type: 'int4', type_oid: 23 }, { name: 'name', type: 'text', type_oid: 25 }, { name: 'qty', type: 'int4', type_oid: 23 }],
      record_json: '{"id":10,"name":"pear","qty":null}', old_record_json: '{"id":2}',
      pk_columns: ['id'], toast_unchanged: [], truncated: false, relation_id: relationOids('crud').items!,
    } satisfies ChangeEvent);
    expect(decode('ChangeEvent', encode('ChangeEvent', event))).toEqual({ ...event, prev_hash: null }); // v2: no chain link yet
  });

  it('leaves record_json null for DELETE and both records null for TRUNCATE', () => {
    expect(events('crud').map((e) => [e.type, e.record_json, e.old_record_json])).toEqual([
      ['INSERT', '{"id":1,"name":"apple","qty":3}', null],
      ['INSERT', '{"id":2,"name":"pear","qty":null}', null],
      ['UPDATE', '{"id":1,"name":"apple","qty":5}', '{"id":1}'],
      ['UPDATE', '{"id":10,"name":"pear","qty":null}', '{"id":2}'],
      ['DELETE', null, '{"id":10}'],
    ]);
    expect(events('truncate').slice(1).map((e) => [e.seq, e.table, e.record_json, e.old_record_json])).toEqual([
      [0, 'items', null, null], [1, 'pairs', null, null], [0, 'serials', null, null],
    ]);
  });

  it('omits unchanged TOAST values and names them', () => {
    const update = events('toast')[1]!;
    expect(update).toMatchObject({ record_json: '{"id":1,"title":"t2"}', toast_unchanged: ['body'], truncated: false });
  });

  it('keeps only fields of at most 64 bytes when the records exceed maxRecordBytes', () => {
    const [insert, , , updateFull] = events('toast', { maxRecordBytes: 4000 });
    expect(insert).toMatchObject({ record_json: '{"id":1,"title":"t1"}', truncated: true });
    expect(updateFull).toMatchObject({ record_json: '{"id":1,"title":"t2"}', old_record_json: '{"id":1,"title":"t1"}', truncated: true });
    // Within the limit nothing is dropped (the default is the reference's 1,048,576 bytes).
    expect(events('toast')[0]!.record_json).toHaveLength(4800 + '{"id":1,"title":"t1","body":""}'.length);
    const sum = events('crud', { maxRecordBytes: 40 })[3]!; // 35 + 8 bytes: over, yet every field is small
    expect(sum).toMatchObject({ record_json: '{"id":10,"name":"pear","qty":null}', old_record_json: '{"id":2}', truncated: true });
  });
});

describe('a change too large for one Kafka record (the 413 form, docs/PROTOCOL.md §6)', () => {
  const col = (name: string, typeOid: number, typeName: string) => ({ name, typeOid, typeName, typeModifier: -1, isKey: name === 'code' });
  const txn = { xid: 7, commitLsn: '0/10', commitLsnNum: 16n, endLsn: '0/20', endLsnNum: 32n, commitTimestampUs: 1_763_800_000_000_000n, changes: [] };
  const code = 'k'.repeat(100); // a primary key over 64 bytes
  const change = (body: string) => ({
    seq: 0, type: 'INSERT' as const, schema: 'public', table: 'docs', relationId: 1,
    columns: [col('code', 25, 'text'), col('n', 23, 'int4'), col('body', 25, 'text')],
    record: { code, n: '5', body }, oldRecord: null, toastUnchanged: [], pkColumns: ['code'],
  });

  it('a 2 MB column: only small fields and the primary key are kept, and the event fits the bound', () => {
    const e = toChangeEvent(change('x'.repeat(2_000_000)), txn, 't', { maxRecordBytes: 10_000_000, maxEventBytes: 1_044_492 });
    expect(e).toMatchObject({ truncated: true, record_json: `{"code":"${code}","n":5}` });
    expect(encode('ChangeEvent', e).length).toBeLessThanOrEqual(1_044_492);
  });

  it('the default bound holds even when the tenant set a large poll_max_record_bytes', () => {
    expect(toChangeEvent(change('x'.repeat(1_100_000)), txn, 't', { maxRecordBytes: 50_000_000 }).truncated).toBe(true);
    expect(toChangeEvent(change('x'.repeat(1_000)), txn, 't', { maxRecordBytes: 50_000_000 }).truncated).toBe(false);
  });

  it('changeEventBytes is never below the encoded size', () => {
    for (const e of [...events('types'), ...events('toast'), toChangeEvent(change('é'.repeat(3000)), txn, 't')]) {
      expect(changeEventBytes(e)).toBeGreaterThanOrEqual(encode('ChangeEvent', e).length);
    }
  });
});
