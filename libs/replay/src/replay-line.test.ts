// The NDJSON line of a replayed change: fixed field order, µs timestamps, records embedded verbatim.
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { changeLine, formatMicros, ndjsonLines } from './replay-line.ts';

const event = (over: Partial<ChangeEvent> = {}): ChangeEvent => ({ ...sampleRecords.ChangeEvent, ...over });

describe('changeLine', () => {
  it('pins the layout of a line', () => {
    expect(changeLine(event())).toBe(
      '{"tenant":"realtime-dev","commit_lsn":"0/16B3748","commit_timestamp":"2025-11-22T08:26:40.123456Z","xid":771,"seq":2,' +
      '"schema":"public","table":"todos","type":"UPDATE","columns":[{"name":"id","type":"int8"},{"name":"title","type":"text"},' +
      '{"name":"body","type":"text"}],"record":{"id":1,"title":"milk","body":null},"old_record":{"id":1},"pk_columns":["id"],' +
      '"toast_unchanged":["body"],"truncated":false}\n',
    );
  });

  it('keeps key order and big numbers of the record as ingest-cdc wrote them', () => {
    const record = '{"b":1,"2":"x","big":9007199254740993,"n":1.10}';
    const line = changeLine(event({ record_json: record, old_record_json: null, type: 'INSERT' }));
    expect(line).toContain(`"record":${record},"old_record":null,`);
    expect(Object.keys(JSON.parse(line))).toEqual([
      'tenant', 'commit_lsn', 'commit_timestamp', 'xid', 'seq', 'schema', 'table', 'type', 'columns', 'record', 'old_record',
      'pk_columns', 'toast_unchanged', 'truncated',
    ]);
  });

  it('stays one valid line for odd record text', () => {
    for (const record_json of ['{"a":\n1}', 'not json']) {
      const line = changeLine(event({ record_json }));
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(JSON.parse(line).record).toEqual(record_json === 'not json' ? 'not json' : { a: 1 });
    }
  });

  it('is deterministic', () => {
    expect(changeLine(event())).toBe(changeLine(structuredClone(event())));
  });
});

describe('formatMicros', () => {
  it('prints UTC with six fraction digits', () => {
    expect(formatMicros(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatMicros(Date.UTC(2026, 0, 1) * 1000 + 7)).toBe('2026-01-01T00:00:00.000007Z');
    expect(formatMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });
});

describe('ndjsonLines', () => {
  it('maps each change to its line', async () => {
    async function* two() { yield event({ seq: 0 }); yield event({ seq: 1 }); }
    const lines: string[] = [];
    for await (const line of ndjsonLines(two())) lines.push(line);
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([0, 1]);
  });
});
