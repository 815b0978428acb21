import { describe, expect, it } from 'vitest';
import { binaryFieldTooLong, MAX_SUBTOPIC_BYTES } from './binary-limits.ts';
import { encodeUserBroadcast } from './binary.ts';

const fits = (topic: string, event: string, metaId: string | null = null) => {
  try {
    encodeUserBroadcast({ topic: `realtime:${topic}`, event, metadata: metaId ? { id: metaId } : null, encoding: 'json', payload: new Uint8Array() });
    return true;
  } catch {
    return false;
  }
};

describe('binaryFieldTooLong', () => {
  it('agrees with the kind 4 encoder at and around every limit, counting UTF-8 bytes', () => {
    const cases: Array<[string, string, string | null]> = [
      ['t'.repeat(MAX_SUBTOPIC_BYTES), 'e'.repeat(255), null],
      ['t'.repeat(MAX_SUBTOPIC_BYTES + 1), 'e', null],
      ['room', 'e'.repeat(256), null],
      ['room', 'é'.repeat(127), null], // 254 bytes
      ['room', 'é'.repeat(128), null], // 256 bytes
      ['😀'.repeat(61), 'e', null], // 244 bytes in 122 UTF-16 units
      ['😀'.repeat(62), 'e', null], // 248 bytes
      ['room', 'e', 'i'.repeat(246)],
      ['room', 'e', 'i'.repeat(247)],
      ['room', 'e', '"'.repeat(123)], // JSON escapes each quote to 2 bytes
      ['room', 'e', '"'.repeat(124)],
    ];
    for (const [topic, event, metaId] of cases) {
      expect([topic.length, event.length, binaryFieldTooLong({ topic, event, metaId }) === null]).toEqual([topic.length, event.length, fits(topic, event, metaId)]);
    }
  });

  it('names the field and its limit', () => {
    expect(binaryFieldTooLong({ topic: 'x'.repeat(300), event: 'e' })).toEqual({ field: 'topic', maxBytes: 246 });
    expect(binaryFieldTooLong({ topic: 'x', event: 'e'.repeat(300) })).toEqual({ field: 'event', maxBytes: 255 });
    expect(binaryFieldTooLong({ topic: 'x', event: 'e', metaId: 'i'.repeat(300) })).toEqual({ field: 'id', maxBytes: 246 });
  });
});
