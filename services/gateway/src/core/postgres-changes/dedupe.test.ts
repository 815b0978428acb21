import { describe, expect, it } from 'vitest';
import { ChangeDedupe, databaseMoved } from './dedupe.ts';

const at = (tenant: string, lsn: number, seq: number) => ({ tenant, commit_lsn_num: lsn, seq });

describe('ChangeDedupe', () => {
  it('passes a first delivery and drops the replayed tail after a restart', () => {
    const d = new ChangeDedupe();
    const first = [at('a', 100, 0), at('a', 100, 1), at('a', 200, 0)];
    expect(first.map((e) => d.accept(e))).toEqual([true, true, true]);
    const replay = [at('a', 100, 1), at('a', 200, 0), at('a', 300, 0), at('a', 300, 1)];
    expect(replay.map((e) => d.accept(e))).toEqual([false, false, true, true]);
  });

  it('keeps tenants apart and forgets a tenant on request', () => {
    const d = new ChangeDedupe();
    expect(d.accept(at('a', 500, 0))).toBe(true);
    expect(d.accept(at('b', 100, 0))).toBe(true);
    d.forget('a');
    expect(d.accept(at('a', 100, 0))).toBe(true);
  });
});

describe('databaseMoved', () => {
  const db = { host: 'a', port: 5432, database: 'postgres', user: 'u', password: 'p', publication: 'pub', maxRecordBytes: null };
  it('is true for another host, port or database name, or a database added or removed', () => {
    expect(databaseMoved(db, { ...db, host: 'b' })).toBe(true);
    expect(databaseMoved(db, { ...db, port: 6543 })).toBe(true);
    expect(databaseMoved(db, { ...db, database: 'other' })).toBe(true);
    expect(databaseMoved(null, db)).toBe(true);
    expect(databaseMoved(db, null)).toBe(true);
  });
  it('is false for the same database with other credentials or publication', () => {
    expect(databaseMoved(db, { ...db, password: 'rotated', user: 'v', publication: 'other' })).toBe(false);
    expect(databaseMoved(null, null)).toBe(false);
  });
});
