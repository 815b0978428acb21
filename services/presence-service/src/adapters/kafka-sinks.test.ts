// Diffs published while a send is in flight go out together in the next send, and each publisher
// hears only about its own records.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { AvroProducer, OutgoingRecord, RecordOutcome } from '@realtime/kafka';
import type { PresenceDiff } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { createKafkaSinks } from './kafka-sinks.ts';

const topics = { presenceCommands: 'cmds', presenceEvents: 'events' };
const diff = (topic: string): PresenceDiff => ({ ...sampleRecords.PresenceDiff, topic });

/** A producer whose sends wait until the test releases them, one outcome per record. */
function gatedProducer(outcome: (topic: string) => RecordOutcome = () => ({ ok: true })) {
  const sends: Array<{ topics: string[]; release(err?: Error): void }> = [];
  const producer = {
    sendEach: (_topic: string, _schema: string, records: OutgoingRecord<PresenceDiff>[]) => new Promise<RecordOutcome[]>((resolve, reject) => {
      const names = records.map((r) => r.value!.topic);
      sends.push({ topics: names, release: (err) => (err ? reject(err) : resolve(names.map(outcome))) });
    }),
  } as unknown as AvroProducer;
  return { producer, sends };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('diff publishing', () => {
  it('sends the diffs that waited during a send together, and resolves each publish once its own are acknowledged', async () => {
    const { producer, sends } = gatedProducer();
    const { diffs } = createKafkaSinks(producer, topics);
    const first = diffs.publish([diff('a')]);
    await settle();
    const second = diffs.publish([diff('b'), diff('c')]);
    const third = diffs.publish([diff('d')]);
    await settle();
    expect(sends.map((s) => s.topics)).toEqual([['a']]);
    sends[0]!.release();
    await first;
    await settle();
    expect(sends.map((s) => s.topics)).toEqual([['a'], ['b', 'c', 'd']]);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await settle();
    expect(secondDone).toBe(false);
    sends[1]!.release();
    await Promise.all([second, third]);
  });

  it('fails every publish of a failed send, and the next publish sends again', async () => {
    const { producer, sends } = gatedProducer();
    const { diffs } = createKafkaSinks(producer, topics);
    const first = diffs.publish([diff('a')]);
    await settle();
    const second = diffs.publish([diff('b')]);
    const third = diffs.publish([diff('c')]);
    sends[0]!.release();
    await first;
    await settle();
    const down = new RealtimeError(ErrorCodes.KafkaUnavailable, 'down', { retryable: true });
    sends[1]!.release(down);
    await expect(second).rejects.toBe(down);
    await expect(third).rejects.toBe(down);
    const fourth = diffs.publish([diff('d')]);
    await settle();
    expect(sends.map((s) => s.topics)).toEqual([['a'], ['b', 'c'], ['d']]);
    sends[2]!.release();
    await fourth;
  });

  it("skips only the publisher's own record that is too large", async () => {
    const tooLarge = new RealtimeError(ErrorCodes.PayloadSizeExceeded, "too large");
    const { producer, sends } = gatedProducer((topic) => (topic === 'big' ? { ok: false, error: tooLarge } : { ok: true }));
    const { diffs } = createKafkaSinks(producer, topics);
    const first = diffs.publish([diff('a')]);
    await settle();
    const second = diffs.publish([diff('big')]);
    const third = diffs.publish([diff('c')]);
    sends[0]!.release();
    await settle();
    sends[1]!.release();
    await Promise.all([first, second, third]); // a record too large is logged and skipped, not thrown
    expect(sends.map((s) => s.topics)).toEqual([['a'], ['big', 'c']]);
  });
});
