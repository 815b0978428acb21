// `replay --verify` and `GET …/changes?verify=1`: recomputes a tenant's realtime.cdc hash chain over
// a range and checks it against the signed checkpoints (verify-chain.ts has the rules). Reads the
// checkpoints first, then takes the cdc end offset: every checkpoint read then covers records that
// Kafka had acknowledged before it was published, so none can point past the records read.
import type { KeyObject } from 'node:crypto';
import type { Logger } from '@realtime/log';
import { decode, type CdcCheckpoint, type ChangeEvent } from '@realtime/schemas';
import { partitionOf, recordKeys, type Kafka } from '@realtime/kafka';
import { partitionOffsets, readPartition, type PartitionMessage, type PartitionRange } from './partition-reader.ts';
import { planRead } from './replay.ts';
import type { ReplayRange } from './replay-range.ts';
import { ChainVerifier, type VerifyReport } from './verify-chain.ts';

export interface VerifyOptions {
  topics: { cdc: string; cdcCheckpoints: string };
  tenant: string;
  range: ReplayRange;
  /** Verifies the checkpoints (libs/audit parseVerifyKey). */
  publicKey: KeyObject;
  logger: Logger;
  /** How far Postgres's clock may run ahead of ingest-cdc's; default 5 minutes. */
  clockSkewMs?: number;
}

export async function verifyChanges(kafka: Kafka, o: VerifyOptions): Promise<VerifyReport & { tenant: string }> {
  const key = recordKeys.tenant(o.tenant);
  const log = o.logger.child({ tenant: o.tenant, reader: 'verify' });
  const skew = o.clockSkewMs ?? 300_000;
  const checkpoints: CdcCheckpoint[] = [];
  const undecodable: string[] = [];
  const { range: cpRange } = await partitionOffsets(kafka, o.topics.cdcCheckpoints, (n) => partitionOf(key, n));
  await readAll(kafka, cpRange, log, (m) => {
    if (m.key?.toString('utf8') !== key || !m.value) return;
    let c: CdcCheckpoint;
    try {
      c = decode<CdcCheckpoint>('CdcCheckpoint', m.value);
    } catch {
      undecodable.push(m.offset);
      return;
    }
    // Signed after its head committed: one signed before a time range began covers none of it.
    if (o.range.from.kind === 'time' && c.signed_at < o.range.from.micros / 1000 - skew) return;
    checkpoints.push(c);
  });
  const verifier = new ChainVerifier(o.range, checkpoints, o.publicKey);
  for (const offset of undecodable) verifier.checkpointUndecodable(offset);
  const plan = await planRead(kafka, o.topics.cdc, key, o.range.from, skew);
  await readAll(kafka, plan, log, (m) => {
    if (m.key?.toString('utf8') !== key || !m.value) return;
    let event: ChangeEvent | null = null;
    try {
      event = decode<ChangeEvent>('ChangeEvent', m.value);
    } catch {
      // stays null: reported as undecodable, and still hashed into the chain
    }
    verifier.add({ offset: m.offset, bytes: m.value, event });
  });
  return { tenant: o.tenant, ...verifier.finish() };
}

async function readAll(kafka: Kafka, range: PartitionRange, log: Logger, onMessage: (m: PartitionMessage) => void): Promise<void> {
  const read = await readPartition(kafka, range, log, onMessage);
  try {
    await read.done;
  } finally {
    await read.close();
  }
}
