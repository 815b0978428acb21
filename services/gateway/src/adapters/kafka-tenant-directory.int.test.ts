// The gateway's tenant directory against a real broker, across TenantSnapshot versions: a v2 record
// (a tenant-admin not yet upgraded) gives the default recovery caps, a v3 record its own, and a
// later v3 record changes them on the running directory.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { createKafka, ensureTopics, topicNames } from '@realtime/kafka';
import { RECOVERY_DEFAULTS, registry, type TenantSnapshot } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import { startKafkaTenantDirectory, type KafkaTenantDirectory } from './kafka-tenant-directory.ts';

const log = createLogger({ service: 'tenant-directory-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: inject('infra').kafkaBrokers, clientId: 'tenant-directory-int-test', logger: log });
// plain secret, no database: only the limits matter here
const snapshot = (external_id: string, caps: Partial<TenantSnapshot> = {}): TenantSnapshot =>
  ({ ...sampleRecords.TenantSnapshot, external_id, jwt_secret_enc: 'plain-jwt-secret', extensions: [], ...caps });
let directory: KafkaTenantDirectory | undefined;

afterAll(async () => {
  await directory?.stop();
});

async function produce(topic: string, records: Array<{ key: string; value: Buffer }>) {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: records });
  } finally {
    await producer.disconnect();
  }
}

describe('the Kafka tenant directory', () => {
  it('reads v2 snapshots with the default recovery caps and v3 ones with theirs, and follows a change', async () => {
    const prefix = `${uniqueName('td')}.`;
    await ensureTopics(kafka, prefix);
    const topic = topicNames(prefix).tenants;
    await produce(topic, [
      { key: 'old', value: registry.encode('TenantSnapshot', snapshot('old'), 2) },
      { key: 'new', value: registry.encode('TenantSnapshot', snapshot('new', { max_recovery_events: 77, max_recovery_bytes: 7777 })) },
    ]);
    directory = await startKafkaTenantDirectory(kafka, { topic, decrypt: (v) => v, log });
    await waitFor(() => expect(directory!.get('new')).toBeDefined());
    expect(directory.get('old')?.limits).toMatchObject({ maxRecoveryEvents: RECOVERY_DEFAULTS.max_recovery_events, maxRecoveryBytes: RECOVERY_DEFAULTS.max_recovery_bytes });
    expect(directory.get('new')?.limits).toMatchObject({ maxRecoveryEvents: 77, maxRecoveryBytes: 7777 });

    await produce(topic, [{ key: 'new', value: registry.encode('TenantSnapshot', snapshot('new', { max_recovery_events: 5, max_recovery_bytes: 1024, version: 43 })) }]);
    await waitFor(() => expect(directory!.get('new')?.limits).toMatchObject({ maxRecoveryEvents: 5, maxRecoveryBytes: 1024 }));
  });
});
