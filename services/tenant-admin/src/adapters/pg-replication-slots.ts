// The realtime replication slots of one tenant database and how far each is behind, as the cluster
// view (GET /api/cluster) shows them: the slot reader of GET /api/tenants/:id/replication
// (pg-tenant-slots.ts), cut down to name, activity and lag in WAL bytes.
import type { ReplicationSlots } from '../ports.ts';
import { createPgSlotReader } from './pg-tenant-slots.ts';

export function createPgReplicationSlots(timeoutMs = 3000): ReplicationSlots {
  const reader = createPgSlotReader(timeoutMs);
  return {
    async list(target) {
      const slots = await reader.read(target);
      return slots.map((s) => ({ slot: s.slot_name, active: s.active, lagBytes: s.lag_bytes }));
    },
  };
}
