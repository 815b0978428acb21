// What the ingest-cdc core needs from outside. Only adapters/ know pg and kafkajs.
import type { ChainHead } from '@realtime/audit';
import type { BroadcastMessage, CdcCheckpoint, ChangeEvent } from '@realtime/schemas';

/** Resolves only once Kafka acknowledged every record (acks=all). */
export interface ChangeSink {
  /** `changeBytes`: each change already encoded, as hashed into the chain; sent exactly so. */
  publish(batch: { changes: ChangeEvent[]; changeBytes?: Buffer[]; broadcasts: BroadcastMessage[] }): Promise<void>;
}

/** The newest record of a tenant's chain in Kafka (null: the tenant has none), read back from the topic. */
export interface ChainHeadReader {
  read(tenant: string): Promise<ChainHead | null>;
}

/** Where signed checkpoints go (realtime.cdc.checkpoints); resolves once Kafka acknowledged. */
export interface CheckpointSink {
  publish(checkpoint: CdcCheckpoint): Promise<void>;
}

/**
 * Tells the tenant database that WAL up to `lsn` is durable in Kafka: its slot may advance. The
 * pg adapter reports the newest confirmed position once per event-loop turn (not one status
 * update per transaction).
 */
export interface LsnConfirmer {
  confirm(lsn: string): Promise<void>;
}

/** Where one tenant's replication streams from (adapters/pg-replication-source.ts). */
export interface ReplicationSourceOptions {
  connectionString: string;
  slot: string;
  publications: string[];
  /**
   * Bound on connecting and on each setup query. Without it a tenant database that accepts the
   * TCP connection and never answers holds start() (and the stop() of a hand-over) forever.
   */
  timeoutMs?: number;
}

export interface ReplicationSource {
  /**
   * Streams from the slot's confirmed position; a promise `onMessage` returns is awaited before the
   * next message (returning nothing lets the next one come at once). `bytes` may be a view into a
   * reused read buffer: valid during the call only (copy what is kept).
   */
  start(onMessage: (walStart: string, bytes: Buffer) => Promise<void> | void, onError: (err: Error) => void): Promise<void>;
  /** Tells Postgres everything up to `lsn` is durable elsewhere: the slot may advance. */
  confirm(lsn: string): Promise<void>;
  stop(): Promise<void>;
}

/** Opens a tenant's replication connection (not yet started). */
export type ReplicationSourceFactory = (o: ReplicationSourceOptions) => ReplicationSource;

/** Drops the slot of a deleted tenant; rejects when the database could not do it. */
export type SlotDropper = (connectionString: string, slot: string) => Promise<void>;

/** How far the tenant's slot is behind the WAL, in bytes; null while the slot does not exist. */
export interface SlotLagReader {
  read(): Promise<number | null>;
  close(): Promise<void>;
}

/** One tenant's series on this worker. After remove() (hand-over, deletion) every call is a no-op. */
export interface TenantCdcMetrics {
  /** Kafka acknowledged a transaction carrying `changes` ChangeEvents and `broadcasts` database broadcasts, `seconds` after its commit. */
  published(changes: number, seconds: number, broadcasts?: number): void;
  connected(up: boolean): void;
  slotLag(bytes: number): void;
  /** A realtime.messages row not broadcast (realtime_cdc_broadcasts_skipped_total). */
  broadcastSkipped?(reason: 'topic_too_long' | 'event_too_long' | 'id_too_long' | 'payload_too_large' | 'rate_limited'): void;
  /** WAL messages the assembler could not understand (the stream stops confirming at them). */
  notUnderstood?(messages: number): void;
  /** A signed checkpoint of the chain head at `commitLsnNum` was acknowledged by Kafka at `atSeconds` (Unix time). */
  checkpointPublished?(commitLsnNum: number, atSeconds: number): void;
  /** Publishing a checkpoint failed (retried with the next head). */
  checkpointFailed?(): void;
  /** The chain head was read back from realtime.cdc: `found`, `empty` (a new chain) or `failed` (the stream restarts). */
  chainHeadRead?(outcome: 'found' | 'empty' | 'failed', seconds: number): void;
  remove(): void;
}

export interface CdcMetrics {
  /** Starts the tenant's series at zero. */
  tenant(tenant: string): TenantCdcMetrics;
}
