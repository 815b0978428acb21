import { describe, expect, it } from 'vitest';
import { generateAuditKeys, linkChanges, parseSigningKey, parseVerifyKey, signCheckpoint, type ChainHead } from '@realtime/audit';
import { decode, encode, type CdcCheckpoint, type ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { ChainVerifier, type RawChange } from './verify-chain.ts';
import { parseReplayRange } from './replay-range.ts';

const keys = generateAuditKeys();
const signingKey = parseSigningKey(keys.privateKey);
const publicKey = parseVerifyKey(keys.publicKey);
const everything = (parseReplayRange({ from: '0/0' }) as { ok: true; range: never }).range;

/** Ten changes of t1 in three transactions, chained as ingest-cdc writes them. */
function chain(): { records: RawChange[]; heads: ChainHead[] } {
  const changes: ChangeEvent[] = Array.from({ length: 10 }, (_, i) => ({
    ...sampleRecords.ChangeEvent, tenant: 't1', commit_lsn_num: 100 + Math.floor(i / 4), commit_lsn: `0/${(100 + Math.floor(i / 4)).toString(16)}`,
    seq: i % 4, record_json: `{"id":${i}}`, prev_hash: null,
  }));
  const heads: ChainHead[] = [];
  let head: ChainHead | null = null;
  const records = changes.map((c, i) => {
    const linked = linkChanges(head, [c]);
    head = linked.head;
    heads.push(head!);
    return { offset: String(i), bytes: linked.bytes[0]!, event: linked.events[0]! };
  });
  return { records, heads };
}

const checkpoint = (head: ChainHead): CdcCheckpoint => signCheckpoint('t1', head, { key: signingKey, node: 'n1', signedAt: 1_763_800_000_000 });

function verify(records: RawChange[], checkpoints: CdcCheckpoint[], range = everything) {
  const v = new ChainVerifier(range, checkpoints, publicKey);
  records.forEach((r, i) => v.add({ ...r, offset: String(i) }));
  return v.finish();
}

/** The same record re-encoded with other values: what an attacker with write access produces. */
function altered(r: RawChange, change: Partial<ChangeEvent>): RawChange {
  const event = { ...decode<ChangeEvent>('ChangeEvent', r.bytes), ...change };
  return { offset: r.offset, bytes: encode('ChangeEvent', event), event };
}

describe('ChainVerifier', () => {
  it('accepts a clean chain and matches its checkpoints', () => {
    const { records, heads } = chain();
    const report = verify(records, [checkpoint(heads[3]!), checkpoint(heads[7]!)]);
    expect(report).toMatchObject({ ok: true, records: 10, problemCount: 0, checkpoints: { inRange: 2, matched: 2 } });
    expect(report.first).toMatchObject({ commit_lsn: '0/64', seq: 0 });
    expect(report.lastCheckpoint).toMatchObject({ offset: '7' });
  });

  it('reports an altered record where the chain breaks, after it', () => {
    const { records } = chain();
    records[4] = altered(records[4]!, { record_json: '{"id":"forged"}' });
    const report = verify(records, []);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'chain_break', offset: '5', commit_lsn: '0/65', seq: 1 })]);
  });

  it('reports an altered last record through the checkpoint that covers it', () => {
    const { records, heads } = chain();
    records[9] = altered(records[9]!, { type: 'DELETE' });
    const report = verify(records, [checkpoint(heads[9]!)]);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint_mismatch', offset: '9' })]);
  });

  it('reports a dropped record at the next one, and a dropped tail through its checkpoint', () => {
    const { records, heads } = chain();
    const report = verify([...records.slice(0, 3), ...records.slice(4, 8)], [checkpoint(heads[9]!)]);
    expect(report.problems.map((p) => p.kind)).toEqual(['chain_break', 'missing']);
    expect(report.problems[0]).toMatchObject({ commit_lsn: '0/65', seq: 0, previous: { commit_lsn: '0/64', seq: 2 } });
    expect(report.problems[1]!.message).toMatch(/covers 0\/66 seq 1, but no record at that position was found/);
  });

  it('reports a reordered record', () => {
    const { records } = chain();
    [records[5], records[6]] = [records[6]!, records[5]!];
    const report = verify(records, []);
    expect(report.problems.map((p) => [p.kind, p.seq])).toEqual([['chain_break', 2], ['reordered', 1], ['chain_break', 3]]);
  });

  it('reports a duplicated record and carries on after it', () => {
    const { records } = chain();
    records.splice(3, 0, records[2]!);
    const report = verify(records, []);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'duplicate', commit_lsn: '0/64', seq: 2 })]);
  });

  it('reports a checkpoint whose signature does not verify, or that another key signed', () => {
    const { records, heads } = chain();
    const forged = { ...checkpoint(heads[2]!), seq: 3 };
    const foreign = signCheckpoint('t1', heads[5]!, { key: parseSigningKey(generateAuditKeys().privateKey), node: 'n2', signedAt: 1 });
    const report = verify(records, [forged, foreign]);
    expect(report.problems.map((p) => p.kind)).toEqual(['bad_signature', 'bad_signature']);
    expect(report.problems[1]!.message).toMatch(/not with the given public key/);
  });

  it('reports a record without prev_hash inside the range, and one that does not decode', () => {
    const { records } = chain();
    records[3] = altered(records[3]!, { prev_hash: null });
    records[6] = { offset: '6', bytes: Buffer.from('garbage'), event: null };
    const report = verify(records, []);
    expect(report.problems.map((p) => p.kind)).toEqual(['unchained', 'chain_break', 'undecodable', 'chain_break']);
  });

  it('checks only the range: checkpoints outside LSN bounds are ignored, inside ones must match', () => {
    const { records, heads } = chain();
    const range = (parseReplayRange({ from: '0/65', to: '0/65' }) as { ok: true; range: never }).range;
    const report = verify(records, [checkpoint(heads[1]!), checkpoint(heads[6]!), checkpoint(heads[9]!)], range);
    expect(report).toMatchObject({ ok: true, records: 4, checkpoints: { inRange: 1, matched: 1 } });
  });
});
