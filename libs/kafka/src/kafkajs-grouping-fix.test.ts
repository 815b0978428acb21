// The linear kafkajs grouping: installed before kafkajs loads, same result as the original.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition, kafkajsGroupingFixed } from './kafkajs-grouping-fix.ts';
import { createKafka } from './client.ts';

const require = createRequire(import.meta.url);

describe('kafkajs message grouping', () => {
  it('is installed on the kafkajs of this install, before its producer loaded (fails on another kafkajs version: revisit the fix)', () => {
    expect(typeof createKafka).toBe('function'); // kafkajs is loaded through client.ts
    expect(kafkajsGroupingFixed()).toBe(true);
  });

  it('groups like the original: each partition its messages in send order, nothing without partition metadata', () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 7}`, value: String(i) }));
    const args = { topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }: { message: unknown }) => Number((message as { key: string }).key.slice(1)) % 3 };
    // kafkajs's own implementation, read from its file (the cache now holds ours)
    const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
    const original = new Function('module', require('node:fs').readFileSync(path, 'utf8') + '; return module.exports')({ exports: {} }) as typeof groupMessagesPerPartition;
    expect(original).not.toBe(groupMessagesPerPartition);
    expect(groupMessagesPerPartition(args)).toEqual(original(args));
    expect(Object.keys(groupMessagesPerPartition(args))).toEqual(['0', '1', '2']);
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });

  it('encodes with pooled buffers to the same bytes (a request of records round-trips through kafkajs\'s own decoder)', () => {
    const Encoder = require('kafkajs/src/protocol/encoder.js');
    const Decoder = require('kafkajs/src/protocol/decoder.js');
    expect(Encoder.name).toBe('PooledEncoder');
    const values = Array.from({ length: 300 }, (_, i) => Buffer.alloc(i * 7, i % 251));
    const e = new Encoder(); // 512 bytes, grown many times
    for (const v of values) e.writeVarIntBytes(v).writeInt32(v.length).writeString(`k${v.length}`);
    const d = new Decoder(e.buffer);
    for (const v of values) {
      expect(d.readVarIntBytes()).toEqual(v);
      expect(d.readInt32()).toBe(v.length);
      expect(d.readString()).toBe(`k${v.length}`);
    }
    expect(d.canReadBytes(1)).toBe(false);
  });
});
