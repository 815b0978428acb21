import { describe, expect, it } from 'vitest';
import { sampleRecords, type ChangeEvent } from '@realtime/schemas';
import { broadcastSkipReason, isMessagesRow, toBroadcast } from './messages-broadcast.ts';

const row = (fields: Record<string, unknown>): ChangeEvent => ({
  ...sampleRecords.ChangeEvent, schema: 'realtime', table: 'messages_2026_11_30', type: 'INSERT', old_record_json: null,
  record_json: JSON.stringify({ id: '9b2f0c1e-0000-4000-8000-000000000001', extension: 'broadcast', private: false, payload: { a: 1 }, event: 'e', topic: 'room', ...fields }),
});

describe('realtime.send rows a kind 4 frame cannot carry', () => {
  it('are skipped with the field that does not fit; ordinary rows pass', () => {
    const reason = (fields: Record<string, unknown>) => broadcastSkipReason(toBroadcast(row(fields), 'n1')!);
    expect(isMessagesRow(row({}))).toBe(true);
    expect(reason({})).toBeNull();
    expect(reason({ topic: 't'.repeat(246), event: 'e'.repeat(255) })).toBeNull();
    expect(reason({ topic: 't'.repeat(300) })).toBe('topic_too_long');
    expect(reason({ event: 'é'.repeat(128) })).toBe('event_too_long');
  });
});
