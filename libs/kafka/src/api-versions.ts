// A start-up check that every broker still accepts the request versions kafkajs will send.
// kafkajs picks each request's version as min(its own highest, the broker's highest) and never
// looks at the broker's lowest, so a broker that dropped old versions (Kafka 4 removed many, KIP-896)
// would only fail later, on the first such request, with an unclear protocol error. Here each
// broker of the cluster is asked for its ApiVersions (a raw v0 request: every broker answers v0)
// and compared with kafkajs's own request table, before the service does anything else.
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { Admin } from 'kafkajs';

/** One API as a broker advertises it. */
export interface BrokerApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** One API as kafkajs implements it: the highest version it has code for. */
export interface ClientApi {
  name: string;
  apiKey: number;
  maxVersion: number;
}

export interface ApiIncompatibility {
  api: string;
  apiKey: number;
  /** What kafkajs would send: min(its highest, the broker's highest); null when the broker lacks the API. */
  clientVersion: number | null;
  brokerMin: number | null;
  brokerMax: number | null;
}

/** The APIs this project's code paths make kafkajs call (producer, consumer groups, admin). */
export const USED_APIS = [
  'Produce', 'Fetch', 'ListOffsets', 'Metadata', 'OffsetCommit', 'OffsetFetch', 'GroupCoordinator',
  'JoinGroup', 'Heartbeat', 'LeaveGroup', 'SyncGroup', 'ListGroups', 'DeleteGroups', 'CreateTopics',
  'InitProducerId', 'DescribeConfigs',
] as const;

const API_VERSIONS_KEY = 18;

/** kafkajs's request table (an internal module: kafkajs exports no API for it; pinned by package-lock). */
export function kafkajsApis(): ClientApi[] {
  const require = createRequire(import.meta.url);
  const { requests } = require('kafkajs/src/protocol/requests/index.js') as { requests: Record<string, { versions: string[] }> };
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>;
  const apis: ClientApi[] = [];
  for (const [name, definition] of Object.entries(requests)) {
    const apiKey = apiKeys[name];
    if (apiKey === undefined || definition.versions.length === 0) continue;
    apis.push({ name, apiKey, maxVersion: Math.max(...definition.versions.map(Number)) });
  }
  return apis;
}

/** The APIs of `used` that this broker would reject at the version kafkajs picks, or lacks. */
export function incompatibleApis(broker: readonly BrokerApiRange[], client: readonly ClientApi[], used: readonly string[] = USED_APIS): ApiIncompatibility[] {
  const byKey = new Map(broker.map((range) => [range.apiKey, range]));
  const found: ApiIncompatibility[] = [];
  for (const api of client) {
    if (!used.includes(api.name)) continue;
    const range = byKey.get(api.apiKey);
    if (!range) {
      found.push({ api: api.name, apiKey: api.apiKey, clientVersion: null, brokerMin: null, brokerMax: null });
      continue;
    }
    const sent = Math.min(api.maxVersion, range.maxVersion);
    if (sent < range.minVersion) found.push({ api: api.name, apiKey: api.apiKey, clientVersion: sent, brokerMin: range.minVersion, brokerMax: range.maxVersion });
  }
  return found;
}

export function describeIncompatibility(i: ApiIncompatibility): string {
  if (i.clientVersion === null) return `${i.api} (key ${i.apiKey}): not offered by the broker`;
  return `${i.api} (key ${i.apiKey}): kafkajs would send v${i.clientVersion}, the broker accepts v${i.brokerMin}-v${i.brokerMax}`;
}

/** Encodes an ApiVersions v0 request (request header v1: key, version, correlation id, client id). */
export function encodeApiVersionsRequest(correlationId: number, clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + id.length);
  body.writeInt16BE(API_VERSIONS_KEY, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(correlationId, 4);
  body.writeInt16BE(id.length, 8);
  id.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/** Decodes an ApiVersions v0 response body (without its size prefix). */
export function decodeApiVersionsResponse(body: Buffer): { correlationId: number; errorCode: number; apis: BrokerApiRange[] } {
  const correlationId = body.readInt32BE(0);
  const errorCode = body.readInt16BE(4);
  const count = body.readInt32BE(6);
  const apis: BrokerApiRange[] = [];
  for (let i = 0, at = 10; i < count; i++, at += 6) {
    apis.push({ apiKey: body.readInt16BE(at), minVersion: body.readInt16BE(at + 2), maxVersion: body.readInt16BE(at + 4) });
  }
  return { correlationId, errorCode, apis };
}

/** Asks one broker (plaintext, as createKafka connects) for its API version ranges. */
export function requestApiVersions(host: string, port: number, timeoutMs = 5_000): Promise<BrokerApiRange[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const fail = (err: Error) => { socket.destroy(); reject(err); };
    socket.setTimeout(timeoutMs, () => fail(new Error(`ApiVersions from ${host}:${port} timed out after ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(encodeApiVersionsRequest(1, 'realtime-api-check')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.destroy();
      try {
        const answer = decodeApiVersionsResponse(received.subarray(4, 4 + received.readInt32BE(0)));
        if (answer.errorCode !== 0) throw new Error(`ApiVersions from ${host}:${port} answered error code ${answer.errorCode}`);
        resolve(answer.apis);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

/**
 * Throws KafkaBrokerIncompatible, naming each API and its versions, when a broker of the cluster
 * would reject a request version kafkajs picks. `admin` must be connected.
 */
export async function checkBrokerApiVersions(
  admin: Pick<Admin, 'describeCluster'>,
  { client = kafkajsApis(), ask = requestApiVersions }: { client?: readonly ClientApi[]; ask?: (host: string, port: number) => Promise<BrokerApiRange[]> } = {},
): Promise<void> {
  const { brokers } = await admin.describeCluster();
  const problems: string[] = [];
  const unreachable: string[] = [];
  for (const { nodeId, host, port } of brokers) {
    let ranges: BrokerApiRange[];
    try {
      ranges = await ask(host, port);
    } catch (err) {
      // a broker that is down right now is an availability matter, checked when it answers again
      unreachable.push(`${host}:${port}: ${(err as Error).message}`);
      continue;
    }
    for (const i of incompatibleApis(ranges, client)) problems.push(`broker ${nodeId} (${host}:${port}) ${describeIncompatibility(i)}`);
  }
  if (problems.length > 0) {
    throw new RealtimeError(ErrorCodes.KafkaBrokerIncompatible, `the Kafka broker does not accept the request versions kafkajs uses: ${problems.join('; ')}`, { details: { problems } });
  }
  if (unreachable.length === brokers.length) {
    throw new RealtimeError(ErrorCodes.KafkaUnavailable, `no Kafka broker answered ApiVersions: ${unreachable.join('; ')}`);
  }
}
