// The two compacted tables the ratelimiter keeps in memory, both read from the beginning on every
// start and then followed (docs/ARCHITECTURE.md "Services"): tenants' snapshots (for their maxima)
// from realtime.tenants (no secrets needed, so nothing is decrypted), and the decisions already on
// realtime.limits — so that after a restart or a rebalance a throttle published earlier, by us or
// by another instance, is known and gets lifted or refreshed instead of lingering.
import { readCompactedTable, type Kafka, type Reader } from '@realtime/kafka';
import type { LimitDecision, TenantSnapshot } from '@realtime/schemas';
import type { Logger } from '@realtime/log';

/** Every tenant's snapshot (null: deleted); app.ts turns it into the core's maxima. */
export function readTenants(
  kafka: Kafka, options: { topic: string; log: Logger; onTenant(tenant: string, snapshot: TenantSnapshot | null): void },
): Promise<Reader> {
  return readCompactedTable<TenantSnapshot>(kafka, {
    topic: options.topic, schema: 'TenantSnapshot', logger: options.log,
    onRecord: (key, value) => options.onTenant(key, value),
  });
}

export function readLimitDecisions(
  kafka: Kafka, options: { topic: string; log: Logger; onDecision(tenant: string, limit: string, decision: LimitDecision | null): void },
): Promise<Reader> {
  return readCompactedTable<LimitDecision>(kafka, {
    topic: options.topic, schema: 'LimitDecision', logger: options.log,
    onRecord(key, value) {
      if (value) return options.onDecision(value.tenant, value.limit, value);
      // a tombstone has only its key, `${tenant}:${limit}`; limit names have no colon
      const at = key.lastIndexOf(':');
      if (at > 0) options.onDecision(key.slice(0, at), key.slice(at + 1), null);
    },
  });
}
