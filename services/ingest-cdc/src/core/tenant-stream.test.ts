import { describe, expect, it } from 'vitest';
import type { BroadcastMessage, ChangeEvent } from '@realtime/schemas';
import { AssemblyFailed, TenantStream } from './tenant-stream.ts';
import type { AssemblerError } from './assembler.ts';
import { readHexFixture } from '../../test/fixture-files.ts';
import type { ChangeSink, LsnConfirmer } from '../ports.ts';

/** A sink whose publishes resolve when the test says so, recording the order of events. */
class ManualSink implements ChangeSink {
  readonly calls: Array<{ changes: ChangeEvent[]; broadcasts: BroadcastMessage[]; resolve: () => void; reject: (e: Error) => void }> = [];
  publish(batch: { changes: ChangeEvent[]; broadcasts: BroadcastMessage[] }) {
    return new Promise<void>((resolve, reject) => void this.calls.push({ ...batch, resolve, reject }));
  }
}
class RecordingConfirmer implements LsnConfirmer {
  readonly confirmed: string[] = [];
  async confirm(lsn: string) { this.confirmed.push(lsn); }
}
const flush = () => new Promise((r) => setTimeout(r, 0));

function stream(sink: ChangeSink, confirmer: LsnConfirmer, fatal: unknown[] = []) {
  return new TenantStream({ tenant: 't1', nodeId: 'n1', sink, confirmer, maxRecordBytes: 1_048_576, onErrors: () => {}, onFatal: (e) => void fatal.push(e) });
}

describe('TenantStream', () => {
  it('publishes each transaction in commit order and confirms its end LSN only after Kafka acknowledged it and all before it', async () => {
    const sink = new ManualSink();
    const confirmer = new RecordingConfirmer();
    const s = stream(sink, confirmer);
    for (const bytes of readHexFixture('crud')) await s.receive(bytes);
    expect(sink.calls.map((c) => c.changes.map((e) => e.type))).toEqual([['INSERT', 'INSERT'], ['UPDATE'], ['UPDATE'], ['DELETE']]);
    sink.calls[1]!.resolve();
    await flush();
    expect(confirmer.confirmed).toEqual([]); // the first transaction is not in Kafka yet
    sink.calls[0]!.resolve();
    await flush();
    expect(confirmer.confirmed).toHaveLength(2);
    sink.calls[2]!.resolve();
    sink.calls[3]!.resolve();
    await s.drain();
    expect(confirmer.confirmed).toHaveLength(4);
    expect(s.confirmedLsn).toBe(confirmer.confirmed[3]);
    const lsns = sink.calls.map((c) => c.changes[0]!.commit_lsn_num);
    expect([...lsns].sort((a, b) => a - b)).toEqual(lsns);
  });

  it('never confirms past a failed publish and reports the stream dead once', async () => {
    const sink = new ManualSink();
    const confirmer = new RecordingConfirmer();
    const fatal: unknown[] = [];
    const s = stream(sink, confirmer, fatal);
    for (const bytes of readHexFixture('crud')) await s.receive(bytes);
    sink.calls[0]!.resolve();
    sink.calls[1]!.reject(new Error('Kafka down'));
    sink.calls[2]!.resolve();
    sink.calls[3]!.resolve();
    await s.drain();
    expect(confirmer.confirmed).toHaveLength(1);
    expect(fatal).toHaveLength(1);
  });

  it('hands no later transaction to the sink once a publish failed: it would overtake the replay', async () => {
    const sink = new ManualSink();
    const fatal: unknown[] = [];
    const s = stream(sink, new RecordingConfirmer(), fatal);
    const messages = readHexFixture('crud');
    let i = 0;
    while (sink.calls.length < 2) await s.receive(messages[i++]!);
    sink.calls[1]!.reject(new Error('message too large'));
    await Promise.resolve(); // one tick: before the chain reports the stream dead
    while (i < messages.length) await s.receive(messages[i++]!);
    expect(sink.calls).toHaveLength(2);
    sink.calls[0]!.resolve();
    await s.drain();
    expect(fatal).toHaveLength(1);
  });

  it('reports each transaction Kafka acknowledged, with its commit timestamp and event counts, and no failed one', async () => {
    const sink = new ManualSink();
    const acked: Array<{ commitTimestampUs: bigint; changes: number; broadcasts: number }> = [];
    const s = new TenantStream({
      tenant: 't1', nodeId: 'n1', sink, confirmer: new RecordingConfirmer(), maxRecordBytes: 1_048_576,
      onErrors: () => {}, onFatal: () => {}, onPublished: (t) => void acked.push(t),
    });
    for (const bytes of readHexFixture('crud')) await s.receive(bytes);
    sink.calls[0]!.resolve();
    sink.calls[1]!.reject(new Error('Kafka down'));
    await s.drain();
    expect(acked.map((a) => a.changes)).toEqual([2]);
    expect(acked[0]!.broadcasts).toBe(0);
    expect(acked[0]!.commitTimestampUs).toBe(BigInt(sink.calls[0]!.changes[0]!.commit_timestamp));
  });

  it('confirms up to the last good commit before a change it could not understand, publishes nothing after it, and reports why', async () => {
    const sink = new ManualSink();
    const confirmer = new RecordingConfirmer();
    const fatal: unknown[] = [];
    const reported: AssemblerError[][] = [];
    const s = new TenantStream({
      tenant: 't1', nodeId: 'n1', sink, confirmer, maxRecordBytes: 1_048_576,
      onErrors: (e) => void reported.push(e), onFatal: (e) => void fatal.push(e),
    });
    const messages = readHexFixture('crud');
    let i = 0;
    while (sink.calls.length < 1) await s.receive(messages[i++]!); // the first transaction, committed
    await s.receive(messages[i++]!); // Begin of the second
    await s.receive(Buffer.from([0x49, 0x00])); // an Insert cut short: the assembler fails on it
    while (i < messages.length) await s.receive(messages[i++]!); // the rest of the WAL, well formed
    expect(sink.calls).toHaveLength(1);
    expect(reported).toHaveLength(1);
    expect(reported[0]![0]!.code).toBe('Decode');
    expect(fatal).toEqual([]); // not before the good transaction landed
    sink.calls[0]!.resolve();
    await s.drain();
    await flush();
    expect(confirmer.confirmed).toEqual([s.confirmedLsn]);
    expect(confirmer.confirmed).toHaveLength(1);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(AssemblyFailed);
    expect((fatal[0] as AssemblyFailed).message).toMatch(/Decode/);
  });

  it('publishes the pieces of a large transaction in order and confirms only its end', async () => {
    const sink = new ManualSink();
    const confirmer = new RecordingConfirmer();
    const s = new TenantStream({ tenant: 't1', nodeId: 'n1', sink, confirmer, maxRecordBytes: 1_048_576, maxHeldChanges: 1, onErrors: () => {}, onFatal: () => {} });
    const messages = readHexFixture('crud');
    let i = 0;
    while (sink.calls.length < 1) await s.receive(messages[i++]!); // the first insert of a two-insert transaction
    expect(sink.calls[0]!.changes.map((c) => c.seq)).toEqual([0]);
    sink.calls[0]!.resolve();
    await flush();
    expect(confirmer.confirmed).toEqual([]); // a piece is never a position to confirm
    while (i < messages.length) await s.receive(messages[i++]!);
    for (const call of sink.calls) call.resolve();
    await s.drain();
    expect(sink.calls[1]!.changes.map((c) => c.seq)).toEqual([1]);
    expect(sink.calls.flatMap((c) => c.changes).map((c) => c.type)).toEqual(['INSERT', 'INSERT', 'UPDATE', 'UPDATE', 'DELETE']);
    expect(confirmer.confirmed).toHaveLength(4); // one per transaction
    expect(s.confirmedLsn).toBe(confirmer.confirmed[3]);
  });
});
