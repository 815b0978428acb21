// What a recovery read costs on Kafka (the range reader of issue 14). One partition holds N records
// of other keys with M records of the recovering key spread among them. Prints:
//  - the scan: time and CPU to read the whole range and pick out the M records (medians of rounds);
//  - the latency of a 10-record read through the long-lived reader, and, as the baseline in the same
//    run, of the same read through a throwaway consumer group per read (@realtime/replay's
//    readPartition, what recovery would cost without a shared reader);
//  - the process's CPU while idle without a reader (baseline) and with one (all partitions paused,
//    kafkajs's fetch sleep looping), and the 10-record latency, for fetch waits of 100 and 20 ms and the default.
//   npm run bench:range-reader -- [other records=100000] [key records=1000] [rounds=5]
import { Writable } from 'node:stream';
import { createKafka, ensureTopics, RANGE_FETCH_WAIT_MS, startRangeReader, topicNames } from '@realtime/kafka';
import { createLogger, print } from '@realtime/log';
import { readPartition } from '@realtime/replay';
import { startKafka, uniqueName } from '@realtime/testing';
import { quantile } from './measure.ts';

const others = Number(process.argv[2] ?? 100_000);
const wanted = Number(process.argv[3] ?? 1_000);
const rounds = Number(process.argv[4] ?? 5);
const log = createLogger({ service: 'bench-range-reader', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function expect(got: { low: bigint; high: bigint }, want: { low: bigint; high: bigint }): void {
  if (got.low !== want.low || got.high !== want.high) throw new Error(`partition 0 holds ${got.low}..${got.high}, not ${want.low}..${want.high}`);
}

async function small(low: bigint, high: bigint, read: (start: bigint) => Promise<unknown>): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = low + BigInt(Math.floor(Math.random() * Number(high - low - 10n)));
    const t = performance.now();
    await read(start);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return `p50 ${quantile(times, 0.5).toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms`;
}

const server = await startKafka();
try {
  const kafka = createKafka({ brokers: server.brokers, clientId: 'bench-range-reader', logger: log });
  const prefix = `${uniqueName('bench')}.`;
  await ensureTopics(kafka, prefix);
  const topic = topicNames(prefix).broadcast;
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const every = Math.max(1, Math.floor(others / wanted));
  const value = 'x'.repeat(200);
  const all = Array.from({ length: others + wanted }, (_, i) => (i % (every + 1) === every ? 'target' : 'other'));
  for (let i = 0; i < all.length; i += 2_000) {
    await producer.send({ topic, messages: all.slice(i, i + 2_000).map((key) => ({ partition: 0, key, value })) });
  }
  await producer.disconnect();
  const [low, high] = [0n, BigInt(all.length)]; // a fresh topic
  const idle = async (what: string) => {
    const [t, c] = [performance.now(), cpuMs()];
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    print(`idle ${what}: ${(((cpuMs() - c) / (performance.now() - t)) * 100).toFixed(2)} % of a core (whole process, 5 s)`);
  };
  await idle('without a reader (baseline)');
  for (const wait of [100, 20]) {
    const r = await startRangeReader(kafka, { topics: [topic], groupId: `${prefix}recovery-${wait}`, logger: log, fetchWaitMs: wait });
    await idle(`reader, fetch wait ${wait} ms`);
    print(`  10-record read: ${await small(low, high, (start) => r.read(topic, 0, start, start + 10n, () => {}))}`);
    await r.stop();
  }
  const reader = await startRangeReader(kafka, { topics: [topic], groupId: `${prefix}recovery`, logger: log });
  await idle(`reader, fetch wait ${RANGE_FETCH_WAIT_MS} ms (default)`);
  expect(await reader.bounds(topic, 0), { low, high });
  print(`partition 0: ${high - low} records (${others} of other keys, ${all.filter((k) => k === 'target').length} of the key), ${value.length} B values`);

  const scans: Array<{ ms: number; cpu: number; found: number }> = [];
  for (let r = 0; r <= rounds; r++) {
    let found = 0;
    const [t, c] = [performance.now(), cpuMs()];
    await reader.read(topic, 0, low, high, (rec) => void (rec.key?.toString() === 'target' && found++), { timeoutMs: 120_000 });
    if (r > 0) scans.push({ ms: performance.now() - t, cpu: cpuMs() - c, found }); // round 0 warms up
  }
  const scanMs = median(scans.map((s) => s.ms));
  print(`scan of ${high - low} records for ${scans[0]!.found} of one key: median ${scanMs.toFixed(0)} ms wall, ${median(scans.map((s) => s.cpu)).toFixed(0)} ms CPU, ${((Number(high - low) / scanMs) * 1000).toFixed(0)} records/s`);

  print(`10-record read, shared reader:       ${await small(low, high, (start) => reader.read(topic, 0, start, start + 10n, () => {}))}`);
  print(`10-record read, a group per read:    ${await small(low, high, async (start) => {
    const part = await readPartition(kafka, { topic, partition: 0, others: [1, 2, 3, 4, 5, 6, 7], start, end: start + 10n }, log, () => {});
    try {
      await part.done;
    } finally {
      await part.close();
    }
  })}`);

  await reader.stop();
} finally {
  await server.stop();
}
