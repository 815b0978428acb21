// What poison records cost a reader of realtime.broadcast: N records over 8 partitions, read by a
// fan-out follower (followTopic) whose handler throws, as a gateway's binary encoder did, on every
// k-th record. Baseline in the same run: the same N records with no poison. Prints, for each, the
// time to read them all, the throughput and the number skipped. Before the record guard, the first
// poison record stopped its partition for good (kafkajs redelivered it forever).
//   npm run bench:poison -- [records=20000] [one poison every k=100]
import { Writable } from 'node:stream';
import { createKafka, ensureTopics, followTopic, topicNames, type Kafka } from '@realtime/kafka';
import { createLogger, print } from '@realtime/log';
import { encode, type BroadcastMessage } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { startKafka, uniqueName } from '@realtime/testing';

const total = Number(process.argv[2] ?? 20_000);
const every = Number(process.argv[3] ?? 100);
const log = createLogger({ service: 'bench-poison', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

const server = await startKafka();
try {
  const skipped = { n: 0 };
  const kafka = createKafka({ brokers: server.brokers, clientId: 'bench-poison', logger: log, skippedRecords: { inc: (_l, n = 1) => void (skipped.n += n) } });
  // Alternating rounds after a warm-up one, medians reported: the first read of a run is slower
  // (connections, JIT), which would otherwise count against whichever mode goes first.
  await run(kafka, 0, skipped);
  const rounds = { baseline: [] as Result[], poisoned: [] as Result[] };
  for (let i = 0; i < 3; i++) {
    rounds.baseline.push(await run(kafka, 0, skipped));
    rounds.poisoned.push(await run(kafka, every, skipped));
  }
  const baseline = median(rounds.baseline);
  const poisoned = median(rounds.poisoned);
  print(`poison records: ${total} records over 8 partitions, one fan-out reader, median of 3 alternating rounds`);
  for (const [name, r] of [['baseline (no poison)', baseline], [`1 poison in ${every}`, poisoned]] as const) {
    print(`  ${name.padEnd(22)} ${String(r.ms).padStart(6)} ms  ${String(Math.round((total / r.ms) * 1000)).padStart(7)} records/s  delivered ${r.delivered}  skipped ${r.skipped}`);
  }
  print(`  time with poison vs baseline: ${((poisoned.ms / baseline.ms - 1) * 100).toFixed(1)} %`);
} finally {
  await server.stop();
}

type Result = { ms: number; delivered: number; skipped: number };

function median(rs: Result[]): Result {
  return [...rs].sort((a, b) => a.ms - b.ms)[Math.floor(rs.length / 2)]!;
}

/** Produces `total` records to a fresh topic, then times one follower reading them all from the beginning. */
async function run(kafka: Kafka, poisonEvery: number, skipped: { n: number }): Promise<Result> {
  const prefix = `${uniqueName('bench')}.`;
  await ensureTopics(kafka, prefix);
  const topic = topicNames(prefix).broadcast;
  const producer = kafka.producer();
  await producer.connect();
  for (let start = 0; start < total; start += 1_000) {
    const messages = Array.from({ length: Math.min(1_000, total - start) }, (_, j) => {
      const i = start + j;
      const poison = poisonEvery > 0 && i % poisonEvery === 0;
      const value: BroadcastMessage = { ...sampleRecords.BroadcastMessage, id: String(i), topic: `room-${i % 64}`, event: poison ? 'e'.repeat(300) : 'e' };
      return { key: `t:o:room-${i % 64}`, value: encode('BroadcastMessage', value) };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();

  const skippedBefore = skipped.n;
  let seen = 0;
  let delivered = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const started = performance.now();
  const reader = await followTopic<BroadcastMessage>(kafka, {
    topic, schema: 'BroadcastMessage', groupId: uniqueName('bench-reader'), fromBeginning: true, logger: log,
    eachMessage: (_key, value) => {
      if (++seen === total) finish();
      if (value!.event.length > 255) throw new RangeError('event is longer than a binary frame allows');
      delivered++;
    },
  });
  await finished;
  const ms = Math.round(performance.now() - started);
  await reader.stop();
  return { ms, delivered, skipped: skipped.n - skippedBefore };
}
