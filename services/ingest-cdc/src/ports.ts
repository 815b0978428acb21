// What the ingest-cdc core needs from outside. Only adapters/ know pg and kafkajs.
import type { BroadcastMessage, ChangeEvent } from '@realtime/schemas';

/** Resolves only once Kafka acknowledged every record (acks=all). */
export interface ChangeSink {
  publish(batch: { changes: ChangeEvent[]; broadcasts: BroadcastMessage[] }): Promise<void>;
}

/** Tells the tenant database that WAL up to `lsn` is durable in Kafka: its slot may advance. */
export interface LsnConfirmer {
  confirm(lsn: string): Promise<void>;
}
