// Tenants as event-carried state: the compacted realtime.tenants topic, read from the beginning on
// every start (docs/ARCHITECTURE.md: never from a committed offset). Secrets arrive encrypted and are
// decrypted here, once per snapshot.
import type { Kafka } from '@realtime/kafka';
import { readCompactedTable } from '@realtime/kafka';
import type { TenantSnapshot } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { TenantDirectory } from '../ports.ts';
import { tenantFromSnapshot, type Tenant } from '../core/base/tenant.ts';

type Listener = (previous: Tenant | undefined, next: Tenant | undefined) => void;

export interface KafkaTenantDirectory extends TenantDirectory {
  stop(): Promise<void>;
}

export async function startKafkaTenantDirectory(
  kafka: Kafka, options: { topic: string; decrypt: (ciphertext: string) => string; log: Logger; payloadCapKb?: number },
): Promise<KafkaTenantDirectory> {
  const tenants = new Map<string, Tenant>();
  const listeners: Listener[] = [];
  const reader = await readCompactedTable<TenantSnapshot>(kafka, {
    topic: options.topic,
    schema: 'TenantSnapshot',
    logger: options.log,
    onRecord(key, value) {
      const previous = tenants.get(key);
      let next: Tenant | undefined;
      if (value) {
        try {
          next = tenantFromSnapshot(value, options.decrypt, options.payloadCapKb);
        } catch (err) {
          options.log.error({ code: ErrorCodes.UnknownError, tenant: key, err: String(err) }, 'tenant snapshot unreadable; keeping the previous one');
          return;
        }
        tenants.set(key, next);
      } else {
        tenants.delete(key);
      }
      for (const listener of listeners) listener(previous, next);
    },
  });
  return {
    get: (id) => tenants.get(id),
    onChange: (listener) => void listeners.push(listener),
    stop: () => reader.stop(),
  };
}
