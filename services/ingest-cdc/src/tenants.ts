// The replications this worker runs: one per tenant of its assigned partitions. Starts, restarts
// (target changed), stops (partition revoked) and, for a deleted tenant, stops and drops the slot.
// Each running tenant also has its slot lag sampled and its series exported here; they are removed
// once the replication stopped, so only the owning worker reports a tenant.
import type { Logger } from '@realtime/log';
import type { TenantSnapshot } from '@realtime/schemas';
import { ErrorCodes } from '@realtime/errors';
import { sameTarget, tenantDb, type TenantDb } from './core/tenant-db.ts';
import { startTenantReplication, type TenantReplication } from './replication.ts';
import { startSlotLagSampler } from './slot-lag.ts';
import type { CheckpointerOptions } from './checkpoints.ts';
import type { CdcMetrics, ChainHeadReader, ChangeSink, ReplicationSourceFactory, SlotDropper, SlotLagReader, TenantCdcMetrics } from './ports.ts';

interface Running {
  partition: number;
  target: TenantDb;
  replication: TenantReplication;
  lag: { stop(): Promise<void> };
  metrics: TenantCdcMetrics;
}

const SLOT_LAG_INTERVAL_MS = 5000;

export interface TenantReplicationsOptions {
  slot: string;
  nodeId: string;
  sink: ChangeSink;
  reveal: (value: string) => string;
  maxRecordBytes: number;
  /** From the cdc topic's max.message.bytes, read at start-up (app.ts). */
  maxEventBytes?: number;
  log: Logger;
  metrics: CdcMetrics;
  slotLagReader(connectionString: string, slot: string): SlotLagReader;
  /** The tenant database's replication connection and slot removal (adapters, from app.ts). */
  sourceFactory: ReplicationSourceFactory;
  dropSlot: SlotDropper;
  slotLagIntervalMs?: number;
  /** The audit chain (replication.ts): where each tenant's chain continues from, and its signed checkpoints. */
  chainHeads?: ChainHeadReader;
  checkpoints?: Omit<CheckpointerOptions, 'tenant' | 'log'>;
}

export class TenantReplications {
  readonly #o: TenantReplicationsOptions;
  readonly #running = new Map<string, Running>();
  /** Set by stopAll(): the worker is shutting down and starts nothing more. */
  #closing = false;

  constructor(options: TenantReplicationsOptions) {
    this.#o = options;
  }

  get(tenant: string): TenantReplication | undefined {
    return this.#running.get(tenant)?.replication;
  }

  async onTenant(partition: number, tenant: string, snapshot: TenantSnapshot | null): Promise<void> {
    if (this.#closing) return;
    const current = this.#running.get(tenant);
    let target: TenantDb | null = null;
    try {
      target = snapshot ? tenantDb(snapshot, this.#o.reveal, this.#o.maxRecordBytes) : null;
    } catch (err) {
      this.#o.log.error({ code: ErrorCodes.ErrorStartingPostgresCDC, tenant, err: String(err) }, 'tenant settings unreadable');
    }
    if (current && sameTarget(current.target, target)) return;
    if (current) {
      this.#running.delete(tenant);
      await stopRunning(current);
      if (!snapshot) await this.#dropSlot(current.target);
    }
    if (!target || this.#closing) return;
    const metrics = this.#o.metrics.tenant(tenant);
    const replication = startTenantReplication({ ...target, slot: this.#o.slot, sink: this.#o.sink, nodeId: this.#o.nodeId, log: this.#o.log, metrics, maxEventBytes: this.#o.maxEventBytes, sourceFactory: this.#o.sourceFactory, chainHeads: this.#o.chainHeads, checkpoints: this.#o.checkpoints });
    const lag = startSlotLagSampler({
      reader: this.#o.slotLagReader(target.connectionString, this.#o.slot), intervalMs: this.#o.slotLagIntervalMs ?? SLOT_LAG_INTERVAL_MS,
      onLag: (bytes) => metrics.slotLag(bytes), log: this.#o.log.child({ tenant }),
    });
    this.#running.set(tenant, { partition, target, replication, lag, metrics });
    this.#o.log.info({ tenant, partition }, 'replicating tenant');
  }

  async onRevoked(partitions: number[]): Promise<void> {
    const revoked = [...this.#running].filter(([, r]) => partitions.includes(r.partition));
    for (const [tenant] of revoked) this.#running.delete(tenant);
    await Promise.all(revoked.map(([, r]) => stopRunning(r)));
    if (revoked.length) this.#o.log.info({ tenants: revoked.map(([t]) => t) }, 'tenants handed over');
  }

  /**
   * SIGTERM: every replication lets its in-flight publishes land and releases its slot, and no new
   * one starts. app.ts calls this before leaving the consumer group, so the worker that is then
   * assigned the partitions finds the slots free instead of retrying them.
   */
  async stopAll(): Promise<void> {
    this.#closing = true;
    await this.onRevoked([...new Set([...this.#running.values()].map((r) => r.partition))]);
  }

  async #dropSlot(target: TenantDb): Promise<void> {
    try {
      await this.#o.dropSlot(target.connectionString, this.#o.slot);
      this.#o.log.info({ tenant: target.tenant }, 'deleted tenant: slot dropped');
    } catch (err) {
      this.#o.log.warn({ code: ErrorCodes.DropReplicationSlotFailed, tenant: target.tenant, err: String(err) }, 'could not drop the slot of a deleted tenant');
    }
  }
}

async function stopRunning(r: Running): Promise<void> {
  await Promise.all([r.replication.stop(), r.lag.stop()]);
  r.metrics.remove();
}
