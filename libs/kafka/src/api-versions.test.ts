// The start-up check against fake ApiVersions answers: kafkajs's pick is min(its highest, the
// broker's highest), so a broker whose minimum is above that pick must stop the service, clearly.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import {
  checkBrokerApiVersions, decodeApiVersionsResponse, encodeApiVersionsRequest, incompatibleApis, kafkajsApis, USED_APIS,
  type BrokerApiRange,
} from './api-versions.ts';

/** An ApiVersions v0 response body as a broker sends it (after the size prefix). */
function answer(ranges: BrokerApiRange[], errorCode = 0): Buffer {
  const body = Buffer.alloc(10 + ranges.length * 6);
  body.writeInt32BE(1, 0);
  body.writeInt16BE(errorCode, 4);
  body.writeInt32BE(ranges.length, 6);
  ranges.forEach((r, i) => {
    body.writeInt16BE(r.apiKey, 10 + i * 6);
    body.writeInt16BE(r.minVersion, 12 + i * 6);
    body.writeInt16BE(r.maxVersion, 14 + i * 6);
  });
  return body;
}

const client = kafkajsApis();
const apiKey = (name: string) => client.find((a) => a.name === name)!.apiKey;
const highest = (name: string) => client.find((a) => a.name === name)!.maxVersion;
/** A broker that accepts everything kafkajs does, from v0 up to kafkajs's highest + 5. */
const friendly = (): BrokerApiRange[] => client.map((a) => ({ apiKey: a.apiKey, minVersion: 0, maxVersion: a.maxVersion + 5 }));
const admin = { describeCluster: async () => ({ brokers: [{ nodeId: 1, host: 'broker-1', port: 9092 }], controller: 1, clusterId: 'c' }) };

describe('kafkajs request table', () => {
  it('knows every API the project uses, with kafkajs 2.2 highest versions (Produce v7, Fetch v11)', () => {
    for (const name of USED_APIS) expect(client.map((a) => a.name)).toContain(name);
    expect(highest('Produce')).toBe(7);
    expect(highest('Fetch')).toBe(11);
  });
});

describe('ApiVersions v0 wire format', () => {
  it('encodes the request with its size, key 18, version 0, correlation id and client id', () => {
    const request = encodeApiVersionsRequest(7, 'ab');
    expect([...request]).toEqual([0, 0, 0, 12, 0, 18, 0, 0, 0, 0, 0, 7, 0, 2, 0x61, 0x62]);
  });
  it('decodes the ranges of a response', () => {
    const ranges = [{ apiKey: 0, minVersion: 3, maxVersion: 12 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }];
    expect(decodeApiVersionsResponse(answer(ranges))).toEqual({ correlationId: 1, errorCode: 0, apis: ranges });
  });
});

describe('incompatibleApis', () => {
  it('passes a broker whose minimum is at or below what kafkajs picks', () => {
    const broker = friendly().map((r) => (r.apiKey === apiKey('Produce') ? { ...r, minVersion: highest('Produce') } : r));
    expect(incompatibleApis(broker, client)).toEqual([]);
  });
  it('flags an API whose broker minimum is above min(kafkajs highest, broker highest)', () => {
    const broker = friendly().map((r) => (r.apiKey === apiKey('Produce') ? { apiKey: r.apiKey, minVersion: 8, maxVersion: 13 } : r));
    expect(incompatibleApis(broker, client)).toEqual([{ api: 'Produce', apiKey: 0, clientVersion: 7, brokerMin: 8, brokerMax: 13 }]);
  });
  it('flags a used API the broker does not offer, and ignores APIs the project never uses', () => {
    const broker = friendly()
      .filter((r) => r.apiKey !== apiKey('InitProducerId'))
      .map((r) => (r.apiKey === apiKey('CreateAcls') ? { ...r, minVersion: 99, maxVersion: 99 } : r));
    expect(incompatibleApis(broker, client)).toEqual([{ api: 'InitProducerId', apiKey: apiKey('InitProducerId'), clientVersion: null, brokerMin: null, brokerMax: null }]);
  });
});

describe('checkBrokerApiVersions', () => {
  it('accepts a compatible broker', async () => {
    await expect(checkBrokerApiVersions(admin, { ask: async () => decodeApiVersionsResponse(answer(friendly())).apis })).resolves.toBeUndefined();
  });

  it('fails with KafkaBrokerIncompatible naming the broker, the API and the versions', async () => {
    const broker = friendly().map((r) => (r.apiKey === apiKey('Fetch') ? { apiKey: r.apiKey, minVersion: 12, maxVersion: 17 } : r));
    const err = await checkBrokerApiVersions(admin, { ask: async () => decodeApiVersionsResponse(answer(broker)).apis }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RealtimeError);
    expect((err as RealtimeError).code).toBe(ErrorCodes.KafkaBrokerIncompatible);
    expect((err as RealtimeError).retryable).toBe(false);
    expect((err as RealtimeError).message).toContain('broker 1 (broker-1:9092) Fetch (key 1): kafkajs would send v11, the broker accepts v12-v17');
  });

  it('skips a broker that does not answer, but needs one that does', async () => {
    const two = { describeCluster: async () => ({ brokers: [{ nodeId: 1, host: 'a', port: 1 }, { nodeId: 2, host: 'b', port: 2 }], controller: 1, clusterId: 'c' }) };
    const down = async (host: string) => {
      if (host === 'a') throw new Error('ECONNREFUSED');
      return friendly();
    };
    await expect(checkBrokerApiVersions(two, { ask: down })).resolves.toBeUndefined();
    const err = await checkBrokerApiVersions(two, { ask: async () => { throw new Error('ECONNREFUSED'); } }).catch((e: unknown) => e);
    expect((err as RealtimeError).code).toBe(ErrorCodes.KafkaUnavailable);
  });
});
