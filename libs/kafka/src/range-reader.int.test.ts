// The range reader against a real broker: exact ranges, clamping to what the partition holds,
// reads of one partition sharing a scan, partitions read in parallel, 'stop', timeouts and aborts,
// aborted transactions at the end of a range, offsetForTime, no consumer group per read, and
// rebalances (another member in the group) in the middle of reads.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { ErrorCodes } from '@realtime/errors';
import { createLogger } from '@realtime/log';
import { uniqueName, waitFor } from '@realtime/testing';
import { createKafka, ensureTopics, startRangeReader, topicNames, type RangeReader, type RangeRecord } from './index.ts';

const infra = inject('infra');
const log = createLogger({ service: 'range-reader-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'range-reader-int-test', logger: log });
const producer = kafka.producer({ idempotent: true });
const admin = kafka.admin();
let topic: string;
let other: string;
let groupId: string;
let reader: RangeReader;

/** Sends `count` records to one partition; values are `${tag}-${i}`. */
async function produce(partition: number, count: number, tag = 'r', timestamp?: (i: number) => number): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({ partition, key: `k${i % 3}`, value: `${tag}-${i}`, timestamp: timestamp ? String(timestamp(i)) : undefined }));
  await producer.send({ topic, messages });
}
/** Reads a range, collecting offsets and values. */
async function collect(partition: number, start: bigint, end: bigint, onRecord?: (r: RangeRecord) => void | 'stop' | Promise<void | 'stop'>) {
  const records: Array<{ offset: number; value: string }> = [];
  const result = await reader.read(topic, partition, start, end, (r) => {
    records.push({ offset: Number(r.offset), value: r.value!.toString() });
    return onRecord?.(r);
  });
  return { result, offsets: records.map((r) => r.offset), values: records.map((r) => r.value) };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const groups = async () => (await admin.listGroups()).groups.map((g) => g.groupId).sort();

beforeAll(async () => {
  const prefix = `${uniqueName('rr')}.`;
  await ensureTopics(kafka, prefix);
  topic = topicNames(prefix).broadcast;
  other = topicNames(prefix).cdc;
  await Promise.all([producer.connect(), admin.connect()]);
  groupId = `${prefix}recovery`;
  reader = await startRangeReader(kafka, { topics: [topic, other], groupId, logger: log });
});
afterAll(async () => {
  await reader?.stop();
  await Promise.all([producer.disconnect(), admin.disconnect()]);
});

describe('RangeReader', () => {
  it('reads exactly [start, end) in order; start below low and end beyond high are clamped at call time', async () => {
    expect(await reader.partitionCount(topic)).toBe(8);
    await produce(0, 30);
    expect(await reader.bounds(topic, 0)).toEqual({ low: 0n, high: 30n });

    const exact = await collect(0, 5n, 12n);
    expect(exact.offsets).toEqual(range(5, 12));
    expect(exact.values).toEqual(range(5, 12).map((i) => `r-${i}`));
    expect(exact.result).toEqual({ last: 11n, stopped: false });
    expect(await reader.read(topic, 0, 7n, 7n, () => { throw new Error('no record expected'); })).toEqual({ last: null, stopped: false });

    await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '10' }] });
    expect(await reader.bounds(topic, 0)).toEqual({ low: 10n, high: 30n });
    expect((await collect(0, 0n, 15n)).offsets).toEqual(range(10, 15));
    expect((await collect(0, 0n, 5n)).result).toEqual({ last: null, stopped: false }); // all deleted
    // end far beyond high: resolves at the record before high, never waits for later records
    expect(await collect(0, 25n, 1_000n)).toMatchObject({ offsets: range(25, 30), result: { last: 29n, stopped: false } });
  });

  it('serves concurrent reads of one partition with overlapping ranges, each its exact range', async () => {
    await produce(1, 60);
    const slow = () => new Promise<void>((resolve) => setImmediate(resolve));
    const [a, b, c, d] = await Promise.all([
      collect(1, 0n, 40n, slow),
      collect(1, 20n, 60n, slow),
      collect(1, 2n, 5n),
      collect(1, 55n, 58n, slow),
    ]);
    expect(a.offsets).toEqual(range(0, 40));
    expect(b.offsets).toEqual(range(20, 60));
    expect(c.offsets).toEqual(range(2, 5));
    expect(d.offsets).toEqual(range(55, 58));
    // and one that starts behind a running scan
    const first = collect(1, 30n, 60n, slow);
    const behind = collect(1, 0n, 10n);
    expect((await first).offsets).toEqual(range(30, 60));
    expect((await behind).offsets).toEqual(range(0, 10));
  });

  it('reads partitions in parallel: a read held in onRecord does not hold up another partition', async () => {
    await Promise.all([produce(2, 10), produce(3, 10)]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = collect(2, 0n, 10n, () => gate);
    const free = await collect(3, 0n, 10n);
    expect(free.offsets).toEqual(range(0, 10));
    release();
    expect((await held).offsets).toEqual(range(0, 10));
  });

  it("stops at 'stop'; a read past its timeout or aborted rejects and releases the partition", async () => {
    await produce(4, 10);
    const stopped = await collect(4, 0n, 10n, (r) => (r.offset === 3n ? 'stop' : undefined));
    expect(stopped).toMatchObject({ offsets: [0, 1, 2, 3], result: { last: 3n, stopped: true } });

    const hung = reader.read(topic, 4, 0n, 10n, () => new Promise<void>(() => {}), { timeoutMs: 300 });
    await expect(hung).rejects.toMatchObject({ code: ErrorCodes.KafkaUnavailable });
    expect((await collect(4, 2n, 6n)).offsets).toEqual(range(2, 6));

    const abort = new AbortController();
    const aborted = reader.read(topic, 4, 0n, 10n, () => abort.abort(), { signal: abort.signal });
    await expect(aborted).rejects.toMatchObject({ code: ErrorCodes.KafkaUnavailable, message: expect.stringMatching(/aborted/) });
    expect((await collect(4, 0n, 10n)).offsets).toEqual(range(0, 10));
  });

  it('ends a range whose last offsets are aborted transaction records and markers', async () => {
    await produce(6, 5, 'committed');
    const tx = kafka.producer({ transactionalId: uniqueName('rr-tx'), idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    try {
      const transaction = await tx.transaction();
      await transaction.send({ topic, messages: range(0, 3).map((i) => ({ partition: 6, value: `aborted-${i}` })) });
      await transaction.abort();
    } finally {
      await tx.disconnect();
    }
    // 5 records, 3 aborted, 1 abort marker: the marker is written after abort() returned
    await waitFor(async () => expect((await reader.bounds(topic, 6)).high).toBe(9n));
    const high = 9n;
    const read = await collect(6, 0n, high);
    expect(read.values).toEqual(range(0, 5).map((i) => `committed-${i}`));
    expect(read.result).toEqual({ last: 4n, stopped: false });
    // a fetch from 5 holds only the aborted records and the marker: kafkajs hands no batch on for it
    expect(await collect(6, 5n, high)).toMatchObject({ offsets: [], result: { last: null, stopped: false } });
  });

  it('offsetForTime: the first offset at or after a time, high when none', async () => {
    const t0 = Date.now() - 60_000;
    await produce(5, 5, 't', (i) => t0 + i * 1_000);
    expect(await reader.offsetForTime(topic, 5, t0 - 1)).toBe(0n);
    expect(await reader.offsetForTime(topic, 5, t0 + 1_500)).toBe(2n);
    expect(await reader.offsetForTime(topic, 5, t0 + 4_000)).toBe(4n);
    expect(await reader.offsetForTime(topic, 5, Date.now() + 60_000)).toBe(5n);
  });

  it('creates no consumer group per read: 200 sequential reads leave the group list as it was', async () => {
    await produce(7, 20);
    const before = await groups();
    expect(before).toContain(groupId);
    for (let i = 0; i < 200; i++) {
      const from = BigInt(i % 15);
      expect((await reader.read(topic, 7, from, from + 5n, () => {})).last).toBe(from + 4n);
    }
    expect(await groups()).toEqual(before);
  }, 120_000); // each read may wait for kafkajs's idle fetch sleep (RANGE_FETCH_WAIT_MS)

  it('refuses at once, not at its timeout, a partition another member of its group took; and a partition that does not exist', async () => {
    await expect(reader.read(topic, 99, 0n, 1n, () => {})).rejects.toMatchObject({ code: ErrorCodes.UnprocessableEntity });
    const shared = `${groupId}-shared`;
    await producer.send({ topic: other, messages: range(0, 8).map((partition) => ({ partition, value: `p${partition}` })) });
    const first = await startRangeReader(kafka, { topics: [other], groupId: shared, logger: log });
    const second = await startRangeReader(kafka, { topics: [other], groupId: shared, logger: log });
    try {
      const outcomes = async (r: RangeReader) => Promise.all(range(0, 8).map((p) =>
        r.read(other, p, 0n, 1n, () => {}, { timeoutMs: 5_000 }).then(() => 'read', (err: Error) => (/not assigned/.test(err.message) ? 'refused' : err.message))));
      // once the group rebalanced, each reads its own partitions and refuses the other's
      await waitFor(async () => {
        const [a, b] = [await outcomes(first), await outcomes(second)];
        expect(a.map((o, p) => (o === 'read' ? b[p] : o))).toEqual(Array(8).fill('refused'));
        expect(a).toContain('read');
        expect(b).toContain('read');
      }, { timeout: 30_000 });
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('a rebalance in the middle of reads: a partition kept goes on where it was (no gap, no duplicate), one taken is refused', async () => {
    const prefix = `${uniqueName('rr')}.`;
    await ensureTopics(kafka, prefix);
    const t = topicNames(prefix).broadcast;
    await producer.send({ topic: t, messages: range(0, 8).flatMap((partition) => range(0, 300).map((i) => ({ partition, value: `v${i}` }))) });
    const shared = `${groupId}-rebalance`;
    const first = await startRangeReader(kafka, { topics: [t], groupId: shared, logger: log });
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let arrived = 0;
      const seen = range(0, 8).map(() => [] as number[]);
      // every read halts at offset 100 (its first batch fetched) until both rebalances are over
      const reads = range(0, 8).map((p) => first.read(t, p, 0n, 300n, async (r) => {
        seen[p]!.push(Number(r.offset));
        if (r.offset === 100n) await (arrived++, gate);
      }, { timeoutMs: 90_000 }).then(() => 'done', (err: Error) => (/not assigned/.test(err.message) ? 'refused' : err.message)));
      await waitFor(() => expect(arrived).toBe(8));
      const second = await startRangeReader(kafka, { topics: [t], groupId: shared, logger: log }); // takes some partitions
      await second.stop(); // and gives them back
      await waitFor(async () => {
        const { groups: [g] } = await admin.describeGroups([shared]);
        expect(g).toMatchObject({ state: 'Stable', members: [expect.anything()] });
      }, { timeout: 30_000 });
      release();
      const outcomes = await Promise.all(reads);
      expect(outcomes).toContain('done');
      expect(outcomes).toContain('refused');
      outcomes.forEach((o, p) => {
        expect(o === 'done' || o === 'refused').toBe(true);
        if (o === 'done') expect(seen[p]).toEqual(range(0, 300));
      });
      // the partitions taken and given back are read again
      expect(await first.read(t, 0, 0n, 300n, () => {})).toEqual({ last: 299n, stopped: false });
    } finally {
      await first.stop();
    }
  }, 120_000);

  it('stop() rejects the reads still pending, and later reads', async () => {
    const own = await startRangeReader(kafka, { topics: [other], groupId: `${groupId}-2`, logger: log });
    await producer.send({ topic: other, messages: [{ partition: 0, value: 'x' }] });
    let reached!: () => void;
    const handling = new Promise<void>((resolve) => (reached = resolve));
    const pending = own.read(other, 0, 0n, 1n, () => (reached(), new Promise<void>(() => {})));
    const outcome = expect(pending).rejects.toMatchObject({ code: ErrorCodes.KafkaUnavailable });
    await handling;
    await own.stop();
    await outcome;
    await expect(own.read(other, 0, 0n, 1n, () => {})).rejects.toMatchObject({ code: ErrorCodes.KafkaUnavailable });
  });
});
