// The start-up ApiVersions check against the real broker of this run (KAFKA_VERSION: 4.x by
// default, 3.9 in CI's second pass): it passes, and it reads the broker's real ranges.
import { describe, expect, inject, it } from 'vitest';
import { checkBrokerApiVersions, incompatibleApis, kafkajsApis, requestApiVersions, USED_APIS } from './api-versions.ts';
import { createKafka } from './client.ts';

const infra = inject('infra');

describe('broker ApiVersions check (Kafka ' + infra.kafkaVersion + ')', () => {
  it('reads the broker ranges and finds every API kafkajs uses accepted', async () => {
    const [host, port] = infra.kafkaBrokers[0]!.split(':');
    const ranges = await requestApiVersions(host!, Number(port));
    const client = kafkajsApis();
    const fetch = ranges.find((r) => r.apiKey === 1)!;
    // Kafka 4 dropped Fetch v0-v3 (KIP-896), 3.9 still takes v0: the check sees the real minimums
    expect(fetch.minVersion).toBe(infra.kafkaVersion.startsWith('4.') ? 4 : 0);
    expect(USED_APIS.every((name) => ranges.some((r) => r.apiKey === client.find((a) => a.name === name)!.apiKey))).toBe(true);
    expect(incompatibleApis(ranges, client)).toEqual([]);

    const admin = createKafka({ brokers: infra.kafkaBrokers, clientId: 'api-versions-int-test' }).admin();
    await admin.connect();
    try {
      await expect(checkBrokerApiVersions(admin)).resolves.toBeUndefined();
    } finally {
      await admin.disconnect();
    }
  });
});
