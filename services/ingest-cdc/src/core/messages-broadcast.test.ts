import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { broadcastSkipReason, isMessagesRow, messagesBroadcasts, toBroadcast } from './messages-broadcast.ts';

const row = (fields: Record<string, unknown>, extra: Partial<ChangeEvent> = {}): ChangeEvent => ({
  ...sampleRecords.ChangeEvent, schema: 'realtime', table: 'messages_2026_11_30', type: 'INSERT', old_record_json: null,
  record_json: JSON.stringify({ id: '9b2f0c1e-0000-4000-8000-000000000001', extension: 'broadcast', private: false, payload: { a: 1 }, event: 'e', topic: 'room', ...fields }),
  ...extra,
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

describe('messagesBroadcasts', () => {
  it('keeps the good rows of a transaction and lists the others with why, including a row truncated for size', () => {
    // A row over maxRecordBytes keeps only its short fields: its payload is gone, so it must not go out as {}.
    const truncated = row({ payload: undefined }, { truncated: true });
    const changes = [row({ topic: 'a' }), row({ topic: 'x'.repeat(300) }), truncated, { ...sampleRecords.ChangeEvent }, row({ topic: 'b' })];
    const { broadcasts, skipped } = messagesBroadcasts(changes, 'n1');
    expect(broadcasts.map((b) => b.topic)).toEqual(['a', 'b']);
    expect(skipped.map((s) => [s.reason, s.topicPrefix.length])).toEqual([['topic_too_long', 64], ['payload_too_large', 4]]);
  });
});

describe('the tenant payload limit', () => {
  it('leaves out a row whose payload is over max_payload_size_in_kb·1000 + 500 bytes', () => {
    const small = row({ topic: 'a', payload: { s: 'x'.repeat(100) } });
    const large = row({ topic: 'b', payload: { s: 'x'.repeat(2_000) } });
    const { broadcasts, skipped } = messagesBroadcasts([small, large], 'n1', 1 * 1000 + 500);
    expect(broadcasts.map((b) => b.topic)).toEqual(['a']);
    expect(skipped.map((s) => s.reason)).toEqual(['payload_too_large']);
  });
});

describe('realtime.send_binary rows', () => {
  it('carry their bytea payload as hex without \\x (docs/PROTOCOL.md §6) and become a binary broadcast', () => {
    const message = toBroadcast(row({ payload: null, binary_payload: '00ff10' }), 'n1')!;
    expect(message.encoding).toBe('BINARY');
    expect([...message.payload]).toEqual([0x00, 0xff, 0x10]);
  });
});
