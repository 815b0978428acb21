// ChainHeadReader on Kafka: the tenant's newest ChangeEvent on realtime.cdc, read back from the
// topic (docs/ARCHITECTURE.md "Audit trail"). Asked when a tenant stream starts, which is after
// the slot became ours: the previous owner released it only once its publishes had landed
// (replication.ts drains before it stops), and acks=all means they are below the high watermark
// read here, so the head found is the true one and the chain continues instead of forking.
// The tenant's partition is read in windows backwards from its end, each 8 times the last: most
// tenants wrote recently, and an idle tenant on a busy partition costs a few more reads.
import { recordHash, type ChainHead } from '@realtime/audit';
import { partitionOf, recordKeys, type Kafka } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import { partitionOffsets, readPartition, type PartitionMessage } from '@realtime/replay';
import { decode, type ChangeEvent } from '@realtime/schemas';
import type { ChainHeadReader } from '../ports.ts';

const FIRST_WINDOW = 1_000n;

export function createKafkaChainHeads(kafka: Kafka, topic: string, log: Logger): ChainHeadReader {
  return {
    async read(tenant) {
      const key = recordKeys.tenant(tenant);
      const { range, low, high } = await partitionOffsets(kafka, topic, (n) => partitionOf(key, n));
      for (let end = high, window = FIRST_WINDOW; end > low; window *= 8n) {
        const start = end - window > low ? end - window : low;
        let found: PartitionMessage | null = null;
        const read = await readPartition(kafka, { ...range, start, end }, log, (m) => void (m.key?.toString('utf8') === key && m.value && (found = m)));
        try {
          await read.done;
        } finally {
          await read.close();
        }
        if (found) return headOf(found, tenant, log);
        end = start;
      }
      return null;
    },
  };
}

function headOf(m: PartitionMessage, tenant: string, log: Logger): ChainHead {
  const hash = recordHash(m.value!);
  try {
    const e = decode<ChangeEvent>('ChangeEvent', m.value!);
    return { hash, commitLsn: e.commit_lsn, commitLsnNum: e.commit_lsn_num, seq: e.seq };
  } catch (err) {
    // The chain still continues from its bytes; with no position, nothing replayed is held back.
    log.error({ code: ErrorCodes.KafkaRecordUndecodable, tenant, offset: m.offset, err: String(err) }, 'the newest cdc record of the tenant does not decode');
    return { hash, commitLsn: '0/0', commitLsnNum: -1, seq: -1 };
  }
}
