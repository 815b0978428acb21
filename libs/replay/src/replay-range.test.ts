// Replay bounds: what a person may type for from/to/table, and which events a range selects.
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { createChangeFilter, inRange, parsePoint, parseReplayRange, parseTable, type ReplayPoint, type ReplayRange } from './replay-range.ts';

const JAN1 = Date.UTC(2026, 0, 1);
const time = (micros: number): ReplayPoint => ({ kind: 'time', micros });

describe('parsePoint', () => {
  it('reads ms numbers and digit strings as times', () => {
    expect(parsePoint(JAN1)).toEqual(time(JAN1 * 1000));
    expect(parsePoint(String(JAN1))).toEqual(time(JAN1 * 1000));
  });

  it('reads ISO 8601 down to microseconds, UTC unless an offset is given', () => {
    expect(parsePoint('2026-01-01')).toEqual(time(JAN1 * 1000));
    expect(parsePoint('2026-01-01T00:00')).toEqual(time(JAN1 * 1000));
    expect(parsePoint('2026-01-01T00:00:01.123456Z')).toEqual(time(JAN1 * 1000 + 1_123_456));
    expect(parsePoint('2026-01-01T00:00:01.5')).toEqual(time(JAN1 * 1000 + 1_500_000));
    expect(parsePoint('2026-01-01T01:00:00+01:00')).toEqual(time(JAN1 * 1000));
    expect(parsePoint('2026-01-01 01:30:00+0130')).toEqual(time(JAN1 * 1000));
    expect(parsePoint('2026-01-01 02:00:00+02')).toEqual(time(JAN1 * 1000)); // as psql prints it
  });

  it('reads Postgres LSNs', () => {
    expect(parsePoint('0/16B3748')).toEqual({ kind: 'lsn', lsn: 0x16b3748n });
    expect(parsePoint('16/b374d848')).toEqual({ kind: 'lsn', lsn: (0x16n << 32n) | 0xb374d848n });
  });

  it('rejects anything else, including impossible dates', () => {
    for (const bad of ['', 'yesterday', '2026-02-30', '2026-13-01', '2026-01-01T24:00', '0/', '1/2/3', '-5', '1.5', 'March 7, 2026']) {
      expect(parsePoint(bad), bad).toBeNull();
    }
    expect(parsePoint(-1)).toBeNull();
    expect(parsePoint(1.5)).toBeNull();
  });
});

describe('parseTable', () => {
  it('defaults the schema to public', () => {
    expect(parseTable('todos')).toEqual({ schema: 'public', table: 'todos' });
    expect(parseTable('audit.log')).toEqual({ schema: 'audit', table: 'log' });
    expect(parseTable('.x')).toBeNull();
    expect(parseTable('x.')).toBeNull();
  });
});

describe('parseReplayRange', () => {
  it('requires from, validates every field and their order', () => {
    expect(parseReplayRange({})).toEqual({ ok: false, errors: { from: ["can't be blank"] } });
    const bad = parseReplayRange({ from: 'soon', to: ['1', '2'], table: 'x.' });
    expect(bad.ok).toBe(false);
    expect(Object.keys((bad as { errors: object }).errors).sort()).toEqual(['from', 'table', 'to']);
    expect(parseReplayRange({ from: '2026-01-02', to: '2026-01-01' })).toEqual({ ok: false, errors: { to: ['must not be before from'] } });
    expect(parseReplayRange({ from: '0/20', to: '0/10' })).toEqual({ ok: false, errors: { to: ['must not be before from'] } });
  });

  it('accepts mixed kinds and no to', () => {
    expect(parseReplayRange({ from: '0/10', to: '2026-01-01', table: 'todos' })).toEqual({
      ok: true, range: { from: { kind: 'lsn', lsn: 16n }, to: time(JAN1 * 1000), table: { schema: 'public', table: 'todos' } },
    });
    expect(parseReplayRange({ from: '2026-01-01', to: '' })).toMatchObject({ ok: true, range: { to: null, table: null } });
  });
});

const event = (over: Partial<ChangeEvent>): ChangeEvent => ({ ...sampleRecords.ChangeEvent, ...over });

describe('inRange and createChangeFilter', () => {
  const base = sampleRecords.ChangeEvent;
  const range = (from: ReplayRange['from'], to: ReplayRange['to'] = null, table: ReplayRange['table'] = null): ReplayRange => ({ from, to, table });

  it('includes both bounds, by time and by LSN', () => {
    const t = base.commit_timestamp;
    expect(inRange(base, range(time(t), time(t)))).toBe(true);
    expect(inRange(base, range(time(t + 1)))).toBe(false);
    expect(inRange(base, range(time(0), time(t - 1)))).toBe(false);
    const lsn = BigInt(base.commit_lsn_num);
    expect(inRange(base, range({ kind: 'lsn', lsn }, { kind: 'lsn', lsn }))).toBe(true);
    expect(inRange(base, range({ kind: 'lsn', lsn: lsn + 1n }))).toBe(false);
  });

  it('filters by table', () => {
    expect(inRange(base, range(time(0), null, { schema: 'public', table: 'todos' }))).toBe(true);
    expect(inRange(base, range(time(0), null, { schema: 'other', table: 'todos' }))).toBe(false);
  });

  it('drops other tenants and repeated (commit_lsn_num, seq), even when not adjacent', () => {
    const accept = createChangeFilter('realtime-dev', range(time(0)));
    const a = event({ seq: 0 });
    const b = event({ seq: 1 });
    expect([a, b, event({ tenant: 'other', seq: 2 }), { ...a }, event({ seq: 2 }), { ...b }].map(accept)).toEqual([true, true, false, false, true, false]);
  });
});
