// `realtime topics tail <topic>`: any realtime topic's records decoded and printed as they arrive
// (or from the beginning). Generic Kafka tools cannot read them: values are Avro single-object
// encoded, so the writer schema is found by the fingerprint in each record (libs/schemas) and the
// record is decoded with it, whatever topic it came from.
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { createKafka, defaultTopicPrefix, topicNames } from '@realtime/kafka';
import { createLogger } from '@realtime/log';
import { registry } from '@realtime/schemas';
import { CommandFailed, kafkaTarget, message, UsageError, type CliIo } from './io.ts';

export interface TailOptions { brokers?: string; topicPrefix?: string; fromBeginning?: boolean; limit?: string; json?: boolean }

export interface TailRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  schema: string | null;
  value: unknown;
}

export function addTopicsCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  const topics = program.command('topics').summary('read realtime topics').description('Kafka topics of the realtime services.');
  topics.command('tail')
    .description('Prints the records of a topic decoded from Avro, one per line, as they arrive; Ctrl-C stops. ' +
      `<topic> is a full name or one of ${Object.keys(topicNames('')).length} short names (${Object.values(topicNames('')).join(', ')}) under --topic-prefix.`)
    .argument('<topic>', 'e.g. broadcast, cdc, presence.events, or realtime.broadcast')
    .option('--from-beginning', 'start at the oldest retained record instead of the end')
    .option('--limit <n>', 'stop after n records')
    .option('--brokers <list>', 'host:port,… (default: $KAFKA_BROKERS, else .realtime/stack.json)')
    .option('--topic-prefix <p>', `for short names (default: $KAFKA_TOPIC_PREFIX, else the local stack's, else "${defaultTopicPrefix}")`)
    .option('--json', 'NDJSON: {"topic","partition","offset","timestamp","key","schema","value"}')
    .action(async (topic: string, opts: TailOptions) => done(await tail(topic, opts, io)));
}

export function resolveTail(topicArg: string, opts: TailOptions, io: CliIo): { topic: string; brokers: string[]; limit: number } {
  const { brokers, prefix } = kafkaTarget(opts, io);
  if (brokers.length === 0) throw new UsageError('no Kafka brokers: pass --brokers, set KAFKA_BROKERS, or start the local stack (npm start)');
  const short = Object.values(topicNames('')) as string[];
  const topic = short.includes(topicArg) ? `${prefix ?? defaultTopicPrefix}${topicArg}` : topicArg;
  const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive integer, not "${opts.limit}"`);
  return { topic, brokers, limit };
}

/** A record as printed: the value decoded with its writer schema, or the reason it is not. */
export function decodeRecord(topic: string, partition: number, msg: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null }): TailRecord {
  const base = { topic, partition, offset: msg.offset, timestamp: new Date(Number(msg.timestamp)).toISOString(), key: msg.key?.toString('utf8') ?? null };
  if (msg.value === null) return { ...base, schema: null, value: null }; // a tombstone
  const writer = registry.writerOf(msg.value);
  return { ...base, schema: `${writer.name} v${writer.version}`, value: registry.decode(writer.name, msg.value) };
}

/** JSON of decoded Avro: bytes as UTF-8 text when they are (payloads are JSON text), else base64. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      const bytes = Uint8Array.from((v as { data: number[] }).data);
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return { base64: Buffer.from(bytes).toString('base64') };
      }
    }
    return v;
  });
}

async function tail(topicArg: string, opts: TailOptions, io: CliIo): Promise<number> {
  const { topic, brokers, limit } = resolveTail(topicArg, opts, io);
  const log = createLogger({ service: 'realtime-cli', level: io.env.LOG_LEVEL ?? 'warn', destination: process.stderr });
  const kafka = createKafka({ brokers, clientId: 'realtime-cli', logger: log, kafkaLogLevel: 'error' });
  const admin = kafka.admin();
  let ends: Array<{ partition: number; high: string }> = [];
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic)) throw new CommandFailed(`no topic ${topic} on ${brokers.join(',')}`);
    if (!opts.fromBeginning) ends = await admin.fetchTopicOffsets(topic);
  } catch (err) {
    throw err instanceof CommandFailed ? err : new CommandFailed(`cannot reach Kafka at ${brokers.join(',')}: ${message(err)}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }

  // A group of its own that commits nothing (the tail never moves anyone's offsets), deleted on exit.
  const groupId = `realtime-cli-tail-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  let printed = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let failure: unknown;
  let first = true;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // kafkajs would look "latest" up only at its first fetch, losing what is produced in between;
    // seeking to the ends taken before joining makes "from the end" mean "from now".
    if (first) for (const { partition, high } of ends) consumer.seek({ topic, partition, offset: high });
    if (first) io.err(`tailing ${topic} from ${opts.fromBeginning ? 'the beginning' : 'the end'}; Ctrl-C stops\n`);
    first = false;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) ((failure = e.payload.error), finish());
  });
  const stop = () => finish();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: opts.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        if (printed >= limit) return;
        let record: TailRecord;
        try {
          record = decodeRecord(topic, partition, m);
        } catch (err) {
          io.err(`${topic} ${partition}:${m.offset} does not decode: ${message(err)}\n`);
          return;
        }
        printed++;
        io.out(opts.json ? `${toJson(record)}\n` : `${record.timestamp} ${partition}:${record.offset} ${record.key ?? '-'} ${record.schema ?? 'tombstone'} ${toJson(record.value)}\n`);
        if (printed >= limit) finish();
      },
    });
    await finished;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await consumer.disconnect().catch(() => {});
    await deleteGroup(kafka.admin(), groupId);
  }
  if (failure) throw new CommandFailed(`tailing ${topic} failed: ${message(failure)}`);
  return 0;
}

async function deleteGroup(admin: ReturnType<ReturnType<typeof createKafka>['admin']>, groupId: string): Promise<void> {
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // best effort: an empty group with no offsets expires on the broker by itself
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
