import { describe, expect, it } from 'vitest';
import { changePayload, commitTimestamp, type ChangeLike } from './payload.ts';

const base: ChangeLike = {
  schema: 'public', table: 'todos', type: 'UPDATE', commit_timestamp: 1_787_315_696_789_123,
  columns: [{ name: 'id', type: 'int8' }, { name: 'title', type: 'text' }, { name: 'secret', type: 'text' }],
  record_json: '{"id":1,"title":"new","secret":"s"}', old_record_json: '{"id":1,"title":"old","secret":"s0"}', pk_columns: ['id'], truncated: false,
};

describe('postgres_changes payload', () => {
  it('formats commit_timestamp in UTC with milliseconds and Z', () => {
    expect(commitTimestamp(1_787_315_696_789_123)).toBe('2026-08-21T12:34:56.789Z');
  });

  it('carries record and old_record by type', () => {
    expect(changePayload([7], base)).toEqual({ ids: [7], data: {
      schema: 'public', table: 'todos', commit_timestamp: '2026-08-21T12:34:56.789Z', type: 'UPDATE',
      columns: [{ name: 'id', type: 'int8' }, { name: 'title', type: 'text' }, { name: 'secret', type: 'text' }],
      record: { id: 1, title: 'new', secret: 's' }, old_record: { id: 1, title: 'old', secret: 's0' }, errors: null,
    } });
    const insert = changePayload([1], { ...base, type: 'INSERT', old_record_json: null }).data;
    expect(insert).toHaveProperty('record');
    expect(insert).not.toHaveProperty('old_record');
    const del = changePayload([1], { ...base, type: 'DELETE', record_json: null }).data;
    expect(del).not.toHaveProperty('record');
    expect(del).toHaveProperty('old_record');
  });

  it('keeps only selected and privileged columns, the primary key always', () => {
    const data = changePayload([1], base, { select: ['title'], visibleColumns: new Set(['id', 'title']) }).data as any;
    expect(data.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'title']);
    expect(data.record).toEqual({ id: 1, title: 'new' });
  });

  it('sends only the primary key as old_record of a DELETE on an RLS table', () => {
    expect((changePayload([1], { ...base, type: 'DELETE' }, { rlsDelete: true }).data as any).old_record).toEqual({ id: 1 });
  });

  it('uses the reference error forms: 401 without the key privilege, 400 without a key, 413 when truncated', () => {
    expect(changePayload([1], base, { visibleColumns: new Set(['title']) })).toEqual({ ids: [1], data: { schema: 'public', table: 'todos', type: 'UPDATE', errors: ['Error 401: Unauthorized'] } });
    expect((changePayload([1], { ...base, pk_columns: [] }).data as any).errors).toEqual(['Error 400: Bad Request, no primary key']);
    expect((changePayload([1], { ...base, truncated: true }).data as any).errors).toEqual(['Error 413: Payload Too Large']);
  });
});
