// The hash chain TenantStream writes (docs/ARCHITECTURE.md "Audit trail"): every change links to
// the one before it, starting from the head Kafka holds, and what Kafka already has is not sent again.
import { describe, expect, it } from 'vitest';
import { recordHash, type ChainHead } from '@realtime/audit';
import type { BroadcastMessage, ChangeEvent } from '@realtime/schemas';
import { TenantStream } from './tenant-stream.ts';
import { readHexFixture } from '../../test/fixture-files.ts';

type Batch = { changes: ChangeEvent[]; changeBytes?: Buffer[]; broadcasts: BroadcastMessage[] };

function run(chainHead?: () => Promise<ChainHead | null>) {
  const batches: Batch[] = [];
  const acked: ChainHead[] = [];
  const fatal: unknown[] = [];
  const s = new TenantStream({
    tenant: 't1', nodeId: 'n1', maxRecordBytes: 1_048_576, onErrors: () => {}, onFatal: (e) => void fatal.push(e),
    sink: { publish: async (b) => void batches.push(b) }, confirmer: { confirm: async () => {} },
    chainHead, onChainAcked: (h) => void acked.push(h),
  });
  return { s, batches, acked, fatal, sent: () => batches.flatMap((b) => b.changes.map((e, i) => ({ e, bytes: b.changeBytes![i]! }))) };
}

async function feed(s: TenantStream) {
  for (const bytes of readHexFixture('crud')) await s.receive(bytes);
  await s.drain();
}

describe('TenantStream hash chain', () => {
  it('links each change to the hash of the bytes sent before it, from a new chain', async () => {
    const { s, sent, acked } = run();
    await feed(s);
    const records = sent();
    expect(records).toHaveLength(5);
    expect(records[0]!.e.prev_hash).toBeNull();
    for (let i = 1; i < records.length; i++) expect(records[i]!.e.prev_hash).toEqual(recordHash(records[i - 1]!.bytes));
    // each acknowledged transaction reports its head: the hash of its last record
    expect(acked.at(-1)).toMatchObject({ hash: recordHash(records.at(-1)!.bytes), seq: records.at(-1)!.e.seq });
  });

  it('continues from the head Kafka holds and does not send again what is at or before it', async () => {
    const first = run();
    await feed(first.s);
    const all = first.sent();
    const head = first.acked[1]!; // after the second transaction (three changes)
    const second = run(async () => head);
    await feed(second.s);
    const resent = second.sent();
    expect(resent.map((r) => [r.e.commit_lsn_num, r.e.seq])).toEqual(all.slice(3).map((r) => [r.e.commit_lsn_num, r.e.seq]));
    expect(resent[0]!.e.prev_hash).toEqual(head.hash);
    expect(resent.map((r) => r.bytes)).toEqual(all.slice(3).map((r) => r.bytes)); // the same chain, not a fork
  });

  it('stops, publishing nothing, when the head cannot be read', async () => {
    const { s, batches, fatal } = run(async () => { throw new Error('Kafka down'); });
    await feed(s);
    expect(batches).toEqual([]);
    expect(fatal).toHaveLength(1);
  });
});
