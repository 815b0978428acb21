// Makes kafkajs 2.2.4's grouping of a send's messages by partition linear, once per process, on
// import. Its groupMessagesPerPartition copies the partition's array for every message
// (`[...current, message]`): quadratic in the messages of one send. A request of ingest-cdc's
// backlog (~2,000 ChangeEvents in 512 KB, request-chunks.ts) spent most of its time there and in
// the garbage collector: 2,107 records took 100–250 ms to send where 550 took 20 ms (bench P4).
//
// kafkajs's sendMessages takes the function at its own load, so this module must be evaluated
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
const inTime = require.cache[sendMessagesPath] === undefined;
if (version === PATCHED_VERSION && inTime) {
  require(groupingPath);
  require.cache[groupingPath]!.exports = groupMessagesPerPartition;
}

/** True when this process's kafkajs producers group a send's messages with the linear version. */
export function kafkajsGroupingFixed(): boolean {
  return inTime && require.cache[groupingPath]?.exports === groupMessagesPerPartition;
}
