import { describe, expect, it } from 'vitest';
import { messageBytes, requestChunks } from './request-chunks.ts';

const msg = (key: string, bytes: number) => ({ key, value: Buffer.alloc(bytes) });

describe('requestChunks', () => {
  it('keeps the order and splits so that no request exceeds the byte budget', () => {
    const messages = Array.from({ length: 10 }, (_, i) => msg(`k${i}`, 100));
    const per = messageBytes(messages[0]!);
    const chunks = requestChunks(messages, per * 3);
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3, 1]);
    expect(chunks.flat()).toEqual(messages);
  });

  it('sends a message bigger than the budget alone, and tombstones count their key', () => {
    const chunks = requestChunks([msg('a', 10), msg('b', 5000), { key: 'c', value: null }], 1000);
    expect(chunks.map((c) => c.map((m) => m.key))).toEqual([['a'], ['b'], ['c']]);
  });

  it('a CDC backlog of ten thousand ordinary records needs several requests under 1 MiB', () => {
    const chunks = requestChunks(Array.from({ length: 10_000 }, (_, i) => msg('tenant', 150 + (i % 7))));
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.reduce((n, m) => n + messageBytes(m), 0)).toBeLessThanOrEqual(512 * 1024);
  });
});
