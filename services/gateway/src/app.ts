// Builds the gateway from its config: Kafka adapters (tenants, broadcast bus), the core, and the
// HTTP + WebSocket transports on one port. Tests pass overrides for the ports they fake.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '@realtime/log';
import { client, createRegistry, consumerRecordsSkippedCounter } from '@realtime/metrics';
import { createKafka, ensureTopics, readRecordLimits, startRangeReader, topicNames } from '@realtime/kafka';
import { decrypt, isEncrypted, parseEncKey } from '@realtime/secrets';
import type { GatewayConfig } from './config.ts';
import { systemClock, type BroadcastBus, type Clock, type PresenceBackend, type TenantDatabases, type TenantDirectory } from './ports.ts';
import { Gateway } from './core/gateway.ts';
import { createDispatch, type FrameHandlers } from './core/handlers/index.ts';
import { join } from './core/handlers/join.ts';
import { leave } from './core/handlers/leave.ts';
import { broadcast, userBroadcastPush } from './core/handlers/broadcast.ts';
import { accessToken } from './core/handlers/access-token.ts';
import { presence as presenceEvent } from './core/handlers/presence.ts';
import { startKafkaTenantDirectory } from './adapters/kafka-tenant-directory.ts';
import { startKafkaBroadcastBus } from './adapters/kafka-broadcast-bus.ts';
import { promGatewayMetrics } from './adapters/prom-metrics.ts';
import { promServerConnections } from './adapters/prom-reference-metrics.ts';
import { createPgTenantDatabases } from './adapters/pg-tenant-databases.ts';
import { startKafkaChangeFeed } from './adapters/kafka-change-feed.ts';
import { kafkaRecoveryLog } from './adapters/kafka-recovery-log.ts';
import { startPresenceBackend } from './adapters/presence-backend.ts';
import { startKafkaLimits } from './adapters/kafka-limits.ts';
import { createHttpApp } from './transport/http.ts';
import { createInspector } from '@realtime/inspector';
import { payloadCapError, payloadCapKb } from './core/limits/payload-cap.ts';
import { attachWebSocket } from './transport/ws.ts';
import { RestartDrain } from './core/channels/restart-drain.ts';
import { randomBytes } from 'node:crypto';

/**
 * The client events and their handlers (docs/STYLE.md §12: a table, one file per event), given to
 * the gateway at construction: the handlers import the core's context, never the gateway. The one
 * definition: the unit tests' gateway (test/support.ts) takes it from here. It lives in the root
 * because a file importing join.ts is already at the import-depth limit (import-graph.test.ts).
 */
export const frameHandlers: FrameHandlers = {
  join,
  userBroadcast: userBroadcastPush,
  channel: { phx_leave: leave, broadcast, access_token: accessToken, presence: presenceEvent },
};

export interface GatewayOverrides {
  log?: Logger;
  clock?: Clock;
  tenants?: TenantDirectory & { stop(): Promise<void> };
  bus?: BroadcastBus & { stop(): Promise<void> };
  databases?: TenantDatabases;
  presence?: PresenceBackend & { stop(): Promise<void> };
  /** Do not follow realtime.cdc (tests that fake the Kafka ports). */
  noChangeFeed?: boolean;
}

export interface RunningGateway {
  gateway: Gateway;
  address: { port: number };
  /** SIGTERM: not ready, no new sockets, the open ones closed over GATEWAY_DRAIN_WINDOW_MS. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function start(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<RunningGateway> {
  const log = overrides.log ?? createLogger({ service: 'gateway', level: config.logLevel });
  const registry = createRegistry('gateway');
  const topics = topicNames(config.topicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `gateway-${config.nodeId}`, logger: log, skippedRecords: consumerRecordsSkippedCounter(registry) });
  if (!overrides.tenants || !overrides.bus) await ensureTopics(kafka, config.topicPrefix, {}, config);
  // Broadcasts and presence metas go through Kafka: the payload limit must fit in its records.
  const recordLimits = overrides.tenants && overrides.bus ? {} : await readRecordLimits(kafka, [topics.broadcast, topics.presenceCommands]);
  const capError = Object.keys(recordLimits).length ? payloadCapError(recordLimits) : null;
  if (capError) throw new Error(capError);
  const capKb = Object.keys(recordLimits).length ? payloadCapKb(Math.min(...Object.values(recordLimits))) : Infinity;
  log.info({ recordLimits, payloadCapKb: capKb }, 'max_payload_size_in_kb is clamped to what Kafka stores');

  const key = parseEncKey(config.dbEncKey);
  const tenants = overrides.tenants ?? (await startKafkaTenantDirectory(kafka, { topic: topics.tenants, decrypt: (c) => (isEncrypted(c) ? decrypt(c, key) : c), log, payloadCapKb: capKb }));
  const publishDropped = new client.Counter({ name: 'realtime_broadcast_publish_dropped_total', help: 'Broadcasts not sent to other gateways: send queue full (Kafka slow or down) or record too large', registers: [registry] });
  const bus = overrides.bus ?? (await startKafkaBroadcastBus(kafka, {
    topic: topics.broadcast, nodeId: config.nodeId, log, recordLimits, onDropped: () => publishDropped.inc(), queueBytes: config.kafkaSendQueueBytes,
  }));

  const metrics = promGatewayMetrics(registry);
  const databases = overrides.databases ?? createPgTenantDatabases({
    poolSize: config.tenantDbPoolSize, statementTimeoutMs: config.tenantDbStatementTimeoutMs, connectTimeoutMs: config.tenantDbConnectTimeoutMs,
    log, onTimeout: () => metrics.tenantDbTimeouts.inc(),
  });
  const presenceDropped = new client.Counter({ name: 'realtime_presence_commands_dropped_total', help: 'Presence commands refused because the queue toward Kafka was full (Kafka slow or down)', registers: [registry] });
  const presence = overrides.presence ?? (await startPresenceBackend(kafka, {
    redis: { url: config.redisUrl, clusterNodes: config.redisClusterNodes }, commandsTopic: topics.presenceCommands, eventsTopic: topics.presenceEvents, nodeId: config.nodeId, log,
    onDropped: () => presenceDropped.inc(),
  }));
  // Recovery on rejoin reads history through a consumer of its own (docs/PROTOCOL.md §11); tests that
  // fake the Kafka ports go without (their recoveries answer `unavailable`). The group is per process, not per
  // node id: a gateway restarted under the same GATEWAY_NODE_ID must not wait for its predecessor's session to
  // time out before it may read (it commits nothing, so an abandoned group costs nothing).
  const rangeReader = overrides.noChangeFeed ? null : await startRangeReader(kafka, { topics: [topics.cdc, topics.broadcast], groupId: `gateway-${config.nodeId}-recovery-${randomBytes(3).toString('hex')}`, logger: log });
  const gateway = new Gateway({
    nodeId: config.nodeId,
    tenants,
    bus,
    databases,
    presence,
    clock: overrides.clock ?? systemClock,
    log,
    metrics,
    claimValidators: config.claimValidators,
    dispatch: createDispatch(frameHandlers),
    channelErrorBackoffMs: config.channelErrorBackoffMs,
    changesQueueBytes: config.changesQueueBytes,
    changesTotalQueueBytes: config.changesTotalQueueBytes,
    tenantInboundBytesPerSecond: config.tenantInboundBytesPerSecond,
    replicationReadyTimeoutMs: config.replicationReadyTimeoutMs,
    recoveryLog: rangeReader ? kafkaRecoveryLog(rangeReader, { cdcTopic: topics.cdc, broadcastTopic: topics.broadcast, log }) : undefined,
    recovery: { concurrency: config.recoveryConcurrency, timeoutMs: config.recoveryTimeoutMs, maxScanBytes: config.recoveryMaxScanBytes },
    socketLimits: {
      maxBufferedBytes: config.maxBufferedBytes, maxFramesPerSecond: config.maxFramesPerSecond, maxInboundBytesPerSecond: config.maxInboundBytesPerSecond, floodSeconds: config.frameFloodSeconds,
      maxPendingFrames: config.maxPendingFrames, maxPendingBytes: config.maxPendingBytes, noChannelTimeoutMs: config.noChannelTimeoutMs,
    },
  });
  gateway.presence.start();
  const limits = overrides.noChangeFeed ? null : await startKafkaLimits(kafka, {
    usageTopic: topics.usage, limitsTopic: topics.limits, log, onDecision: (key, d) => gateway.global.apply(key, d),
  });
  // Usage windows of one second: what the ratelimiter sums across gateways.
  const usageTimer = setInterval(() => {
    const reports = gateway.usage.flush(Date.now(), config.nodeId, gateway.usageGauges());
    if (limits && reports.length) limits.report(reports).catch((err) => log.warn({ err: String(err) }, 'usage report not sent'));
  }, 1000);
  usageTimer.unref();
  const changeFeed = overrides.noChangeFeed ? null : await startKafkaChangeFeed(kafka, { topic: topics.cdc, nodeId: config.nodeId, log, onChange: (e, at) => gateway.changes.receive(e, at) });

  const restart = new RestartDrain(gateway);
  const draining = () => restart.draining;
  const server = createServer(createHttpApp(gateway, { draining, registry, metricsJwtSecret: config.metricsJwtSecret, maxBodyBytes: config.maxFrameBytes, maxBatchMessages: config.restMaxBatchMessages,
    inflight: { totalBytes: config.restInflightBytes, tenantBytes: config.restTenantInflightBytes },
    inspector: config.inspector ? createInspector({ tenant: config.inspectorTenant, anonKey: config.inspectorAnonKey, onError: (err) => log.error({ err: String(err) }, 'inspector page not built') }) : undefined }));
  promServerConnections(registry, config.maxConnections, server);
  const wss = attachWebSocket(server, gateway, { ...config, draining });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.listenPort, resolve));
  const { port } = server.address() as AddressInfo;
  log.info({ port, node: config.nodeId }, 'gateway listening');

  return {
    gateway,
    address: { port },
    drain: () => restart.run(config.drainWindowMs),
    async close() {
      gateway.closeAll(1001);
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearInterval(usageTimer);
      gateway.presence.stop();
      await limits?.stop();
      await changeFeed?.stop();
      await rangeReader?.stop();
      await presence.stop();
      await bus.stop();
      await tenants.stop();
      await databases.close();
    },
  };
}
