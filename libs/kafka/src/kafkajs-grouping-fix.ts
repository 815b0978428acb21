// Two fixes of kafkajs 2.2.4's producer path, once per process, on import (bench P4).
//
// 1. The grouping of a send's messages by partition is made linear. Its groupMessagesPerPartition copies the partition's array for every message
// (`[...current, message]`): quadratic in the messages of one send. A request of ingest-cdc's
// backlog (~2,000 ChangeEvents in 512 KB, request-chunks.ts) spent most of its time there and in
// the garbage collector: 2,107 records took 100–250 ms to send where 550 took 20 ms.
// 2. Its Encoder (every record, request and response is one) starts with Buffer.alloc(512) and
//    grows with Buffer.alloc: zero-filled memory outside the pool, for bytes it overwrites before it
//    reads them (`buffer` is the slice up to `offset`). Here from Buffer.allocUnsafe (the pool).
//
// kafkajs's modules take both at their own load, so this module must be evaluated
// before kafkajs is first loaded: it is the first import of client.ts and producer.ts, and
// kafkajsGroupingFixed() says whether it came in time (a unit test checks it, and fails on another
// kafkajs version so that an upgrade revisits this file, like kafkajs-timer-fix.ts).
import { createRequire } from 'node:module';

const PATCHED_VERSION = '2.2.4';

type Message = unknown;
interface GroupArgs {
  topic: string;
  partitionMetadata: unknown[];
  messages: Message[];
  partitioner(args: { topic: string; partitionMetadata: unknown[]; message: Message }): number;
}

/** kafkajs's groupMessagesPerPartition with the same result (partition → messages in order), in linear time. */
export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: GroupArgs): Record<number, Message[]> {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) (result[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return result;
}

const require = createRequire(import.meta.url);
const { version } = require('kafkajs/package.json') as { version: string };
const groupingPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const sendMessagesPath = require.resolve('kafkajs/src/producer/sendMessages.js');
// too late once sendMessages holds the original
const encoderPath = require.resolve('kafkajs/src/protocol/encoder.js');
const inTime = require.cache[sendMessagesPath] === undefined && require.cache[encoderPath] === undefined;

interface KafkajsEncoder { buf: Buffer; offset: number }
type EncoderClass = (new (initialSize?: number) => KafkajsEncoder) & { nextPowerOfTwo(n: number): number };

/** kafkajs's Encoder with its buffers from the pool (see the header); everything else inherited. */
function pooledEncoder(Encoder: EncoderClass) {
  return class PooledEncoder extends Encoder {
    constructor(initialSize = 511) {
      super(0);
      this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize));
    }
    ensureAvailable(length: number): void {
      if (this.offset + length <= this.buf.length) return;
      const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
      this.buf.copy(grown, 0, 0, this.offset);
      this.buf = grown;
    }
  };
}

if (version === PATCHED_VERSION && inTime) {
  require(groupingPath);
  require.cache[groupingPath]!.exports = groupMessagesPerPartition;
  require.cache[encoderPath] ?? require(encoderPath);
  require.cache[encoderPath]!.exports = pooledEncoder(require.cache[encoderPath]!.exports as EncoderClass);
}

/** True when this process's kafkajs groups a send's messages linearly and encodes into pooled buffers. */
export function kafkajsGroupingFixed(): boolean {
  const Encoder = require.cache[encoderPath]?.exports as { name?: string } | undefined;
  return inTime && require.cache[groupingPath]?.exports === groupMessagesPerPartition && Encoder?.name === 'PooledEncoder';
}
